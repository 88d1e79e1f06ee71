"""A council whose data breaks a dbt test is withheld: the night publishes every other council,
the withheld council keeps its last published figures (is_withheld), `raa status`, the alert and
its feedback report say why. A failure no council can be blamed for still fails the night."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipelines.definitions import TRANSFORM_JOB, build_definitions
from pipelines.publish.layout import published_database
from pipelines.publish.snapshot import WHOLE_WHEN_WITHHOLDING
from pipelines.reporting import headline, status
from pipelines.settings import Settings
from tests.operations.conftest import Inbox, smtp_server, use_copy
from tests.operations.withholding import (
    WITHHELD,
    break_council,
    build,
    council_marts,
    rows_of,
    snapshot_id,
)

pytestmark = pytest.mark.slow


@dataclass
class WithheldNight:
    settings: Settings
    result: dg.ExecuteInProcessResult
    before_id: str  # the snapshot published before the night
    before: Path  # its database
    inbox: Inbox


@pytest.fixture(scope="module")
def withheld_night(region, tmp_path_factory):
    """One night on a copy of the region in which KIL sends a child twice (built once: the tests
    read it, or copy it before changing anything)."""
    with pytest.MonkeyPatch.context() as env, smtp_server(env) as inbox:
        root = tmp_path_factory.mktemp("withheld")
        settings = use_copy(region, region.settings.warehouse_dir, root / "warehouse", env)
        before_id = snapshot_id(settings)
        before = published_database(settings.published_dir).resolve()
        break_council(settings, WITHHELD)
        yield WithheldNight(settings, build(settings), before_id, before, inbox)


def test_council_breaking_a_test_is_withheld_and_the_night_publishes(withheld_night, region):
    night = withheld_night
    settings, before_id, before = night.settings, night.before_id, night.before
    assert night.result.success
    assert snapshot_id(settings) != before_id
    with duckdb.connect(str(settings.database), read_only=True) as con:
        held = con.execute(
            "select council_code, failing_tests, message from audit.withheld_councils"
        ).fetchall()  # fmt: skip
    assert [h[0] for h in held] == [WITHHELD]
    assert "unique_dim_child_child_id" in held[0][1]
    now = published_database(settings.published_dir).resolve()
    with (
        duckdb.connect(str(now), read_only=True) as new,
        duckdb.connect(str(before), read_only=True) as old,
        duckdb.connect(str(settings.database), read_only=True) as work,
    ):
        marts = council_marts(new)
        assert "scorecard_timeliness" in marts and "cost_apportionment" in marts
        carried_any = False
        for mart in marts:
            flags = dict(new.execute(
                f"select is_withheld, count(*) from marts.{mart} group by 1").fetchall())  # fmt: skip
            if mart in WHOLE_WHEN_WITHHOLDING:
                # the formula's shares tie every council to the others: the last published
                # tables whole, never this build's shares beside the withheld council's old ones
                assert rows_of(new, mart, "true") == rows_of(old, mart, "true"), mart
                assert flags.get(False, 0) == 0, mart
                continue
            kept = rows_of(old, mart, f"council_code = '{WITHHELD}'")
            assert rows_of(new, mart, f"council_code = '{WITHHELD}'") == kept, mart
            assert flags.get(True, 0) == len(kept), mart
            carried_any |= bool(kept)
            assert new.execute(f"select count(*) from marts.{mart} where is_withheld and "
                               f"council_code <> '{WITHHELD}'").fetchone()[0] == 0  # fmt: skip
            # the others' rows are this build's
            assert flags.get(False, 0) == work.execute(
                f"select count(*) from marts.{mart} where council_code <> '{WITHHELD}'"
            ).fetchone()[0], mart  # fmt: skip
        assert carried_any
        reason, source = new.execute(
            "select reason, figures_from_snapshot from meta.withheld_councils"
        ).fetchone()  # fmt: skip
    assert source == before_id and "withheld" in reason
    text = status(settings.database, region.registry.codes, settings.landing_dir)
    assert f"{WITHHELD}: withheld:" in text and before_id in text and "WITHHELD" in text
    # its row names the submission its figures in the snapshot are of (the earlier publish's)
    (row,) = [line.split() for line in text.splitlines() if line.startswith(WITHHELD + " ")]
    assert row[6] == row[1] and row[7] == "WITHHELD", row
    (message,) = night.inbox.wait(1)
    assert f"{WITHHELD} withheld" in message and "unique_dim_child_child_id" in message
    report = sorted((settings.outbox_dir / WITHHELD).rglob("withheld.html"))
    assert report and "unique_dim_child_child_id" in report[-1].read_text(encoding="utf-8")


def test_the_headline_raa_run_prints_is_what_was_published(withheld_night):
    """The working marts were built without KIL; the snapshot carries its last published
    figures. `raa run` prints the snapshot's, KIL's marked withheld, the partnership's
    contribution the whole pot."""
    settings = withheld_night.settings
    rows = {line.split()[0]: line.split() for line in
            headline(settings.database, settings.published_dir).splitlines()[2:]}  # fmt: skip
    assert rows[WITHHELD][-1] == "withheld"
    with duckdb.connect(str(published_database(settings.published_dir)), read_only=True) as con:
        year, pot, kil = con.execute(
            "select max(financial_year), sum(contribution_gbp) filter (where financial_year = "
            "(select max(financial_year) from marts.cost_apportionment)), sum(contribution_gbp) "
            f"filter (where council_code = '{WITHHELD}' and financial_year = (select "
            "max(financial_year) from marts.cost_apportionment)) from marts.cost_apportionment"
        ).fetchone()  # fmt: skip
    header = headline(settings.database, settings.published_dir).splitlines()[0].split()
    money = header.index(f"contribution_{year}_gbp")
    assert rows[WITHHELD][money] == f"{round(kil):,}"
    assert rows["REGION"][money] == f"{round(pot):,}"
    # the working warehouse alone has no KIL row: the build left it out
    assert WITHHELD not in {line.split()[0] for line in headline(settings.database).splitlines()}


def test_publishing_again_alone_still_carries_the_withheld_council(
    withheld_night, region, tmp_path, monkeypatch
):
    """After a withheld night, the publish rerun on its own (from the UI, another run): the
    working marts are still the withholding build's, so KIL's rows are carried again, from the
    snapshot they came from, never published as missing."""
    night = withheld_night
    settings = use_copy(region, night.settings.warehouse_dir, tmp_path / "warehouse", monkeypatch)
    before_id, before = night.before_id, night.before
    night_id = snapshot_id(settings)
    result = publish_alone()
    assert result.success
    assert snapshot_id(settings) not in (night_id, before_id)
    now = published_database(settings.published_dir).resolve()
    with (
        duckdb.connect(str(now), read_only=True) as new,
        duckdb.connect(str(before), read_only=True) as old,
    ):
        for mart in ("scorecard_timeliness", "raa_quarterly", "cost_apportionment"):
            where = "true" if mart in WHOLE_WHEN_WITHHOLDING else f"council_code = '{WITHHELD}'"
            assert rows_of(new, mart, where) == rows_of(old, mart, where), mart
        sources = new.execute(
            "select figures_from_snapshot from meta.withheld_councils order by run_id"
        ).fetchall()  # fmt: skip
    assert sources == [(before_id,), (before_id,)]


def test_withholding_on_the_first_publish_leaves_the_council_out(
    withheld_night, region, tmp_path, monkeypatch
):
    """No earlier snapshot to carry figures from (the withheld night's build, published on a
    warehouse that never published): the council's rows are left out (none carried), the others
    are published, and the record says no snapshot supplied its figures."""
    night = withheld_night
    settings = use_copy(region, night.settings.warehouse_dir, tmp_path / "warehouse", monkeypatch)
    shutil.rmtree(settings.published_dir)
    result = publish_alone()
    assert result.success
    with duckdb.connect(str(published_database(settings.published_dir)), read_only=True) as new:
        councils = {c for (c,) in new.execute(
            "select distinct council_code from marts.scorecard_timeliness").fetchall()}  # fmt: skip
        carried = new.execute(
            "select count(*) from marts.scorecard_timeliness where is_withheld"
        ).fetchone()[0]  # fmt: skip
        record = new.execute(
            "select council_code, figures_from_snapshot, rows_carried_over "
            "from meta.withheld_councils"
        ).fetchall()  # fmt: skip
        contributions = {c for (c,) in new.execute(
            "select distinct council_code from marts.cost_apportionment").fetchall()}  # fmt: skip
    assert carried == 0
    assert councils == {"NTH", "ASH", "FEN", "REGION"}
    assert record == [(WITHHELD, None, 0)]
    assert WITHHELD not in contributions


def publish_alone() -> dg.ExecuteInProcessResult:
    job = build_definitions(Settings.from_env()).resolve_job_def(TRANSFORM_JOB)
    return job.execute_in_process(
        raise_on_error=False, asset_selection=[dg.AssetKey("published_snapshot")]
    )


def test_failure_of_no_council_fails_the_night_and_publishes_nothing(copied, region):
    before_id = snapshot_id(copied)
    # An adopter household sent twice: the unique test on household_id fails, and household ids
    # (the agency's own, e.g. HH102021) name no council, so nobody can be withheld.
    with duckdb.connect(str(copied.database)) as con:
        con.execute("insert into canonical.adopter_households "
                    "select * from canonical.adopter_households limit 1")  # fmt: skip
    result = build(copied)
    assert not result.success
    failed = [e.step_key for e in result.all_events if e.is_step_failure]
    assert failed == ["raa_dbt_models"]
    assert snapshot_id(copied) == before_id
    with duckdb.connect(str(copied.database), read_only=True) as con:
        assert con.execute("select * from audit.withheld_councils").fetchall() == []
