"""A council whose data breaks a dbt test is withheld: the night publishes every other council,
the withheld council keeps its last published figures (is_withheld), `raa status`, the alert and
its feedback report say why. A failure no council can be blamed for still fails the night."""

from __future__ import annotations

import shutil

import dagster as dg
import duckdb
import pytest

from pipelines.definitions import TRANSFORM_JOB, build_definitions
from pipelines.publish.layout import published_database
from pipelines.publish.snapshot import WHOLE_WHEN_WITHHOLDING
from pipelines.reporting import status
from pipelines.settings import Settings

WITHHELD = "KIL"


def _snapshot_id(settings) -> str:
    with duckdb.connect(str(published_database(settings.published_dir)), read_only=True) as con:
        return con.execute(
            "select snapshot_id from meta.publishes order by published_at desc limit 1"
        ).fetchone()[0]


def _break_council(settings, code: str) -> None:
    """Send one child twice: two rows of dim_child with the same child_id (council:child),
    which the `unique` test on child_id refuses."""
    with duckdb.connect(str(settings.database)) as con:
        con.execute(
            "insert into canonical.children select * from canonical.children "
            "where council_code = ? limit 1",
            [code],
        )


def _council_marts(con, schema: str = "marts") -> list[str]:
    return [t for (t,) in con.execute(
        "select table_name from duckdb_columns() where schema_name = ? "
        "and column_name = 'council_code' and database_name = current_database() order by 1",
        [schema],
    ).fetchall()]  # fmt: skip


def _rows(con, mart: str, where: str) -> list[tuple]:
    columns = [c for (c,) in con.execute(
        "select column_name from duckdb_columns() where table_name = ? and schema_name = 'marts' "
        "and database_name = current_database() and column_name <> 'is_withheld' "
        "order by column_index", [mart]).fetchall()]  # fmt: skip
    listed = ", ".join(f'"{c}"' for c in columns)
    return sorted(
        con.execute(f"select {listed} from marts.{mart} where {where}").fetchall(), key=repr
    )


def _build(settings):
    # the Definitions read the settings as they are now (the SMTP server's included)
    assert Settings.from_env().warehouse_dir == settings.warehouse_dir
    job = build_definitions(Settings.from_env()).resolve_job_def(TRANSFORM_JOB)
    return job.execute_in_process(raise_on_error=False)


@pytest.fixture
def withheld_night(copied, region, smtp):
    before_id = _snapshot_id(copied)
    before = published_database(copied.published_dir).resolve()
    _break_council(copied, WITHHELD)
    result = _build(copied)
    return copied, region, result, before_id, before, smtp


def test_council_breaking_a_test_is_withheld_and_the_night_publishes(withheld_night):
    settings, region, result, before_id, before, smtp = withheld_night
    assert result.success
    assert _snapshot_id(settings) != before_id
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
        marts = _council_marts(new)
        assert "scorecard_timeliness" in marts and "cost_apportionment" in marts
        carried_any = False
        for mart in marts:
            flags = dict(new.execute(
                f"select is_withheld, count(*) from marts.{mart} group by 1").fetchall())  # fmt: skip
            if mart in WHOLE_WHEN_WITHHOLDING:
                # the formula's shares tie every council to the others: the last published
                # tables whole, never this build's shares beside the withheld council's old ones
                assert _rows(new, mart, "true") == _rows(old, mart, "true"), mart
                assert flags.get(False, 0) == 0, mart
                continue
            kept = _rows(old, mart, f"council_code = '{WITHHELD}'")
            assert _rows(new, mart, f"council_code = '{WITHHELD}'") == kept, mart
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
    (message,) = smtp.wait(1)
    assert f"{WITHHELD} withheld" in message and "unique_dim_child_child_id" in message
    report = sorted((settings.outbox_dir / WITHHELD).rglob("withheld.html"))
    assert report and "unique_dim_child_child_id" in report[-1].read_text(encoding="utf-8")


def test_publishing_again_alone_still_carries_the_withheld_council(withheld_night):
    """After a withheld night, the publish rerun on its own (from the UI, another run): the
    working marts are still the withholding build's, so KIL's rows are carried again, from the
    snapshot they came from, never published as missing."""
    settings, _, _, before_id, before, _ = withheld_night
    night_id = _snapshot_id(settings)
    job = build_definitions(Settings.from_env()).resolve_job_def(TRANSFORM_JOB)
    result = job.execute_in_process(
        raise_on_error=False, asset_selection=[dg.AssetKey("published_snapshot")]
    )
    assert result.success
    assert _snapshot_id(settings) not in (night_id, before_id)
    now = published_database(settings.published_dir).resolve()
    with (
        duckdb.connect(str(now), read_only=True) as new,
        duckdb.connect(str(before), read_only=True) as old,
    ):
        for mart in ("scorecard_timeliness", "raa_quarterly", "cost_apportionment"):
            where = "true" if mart in WHOLE_WHEN_WITHHOLDING else f"council_code = '{WITHHELD}'"
            assert _rows(new, mart, where) == _rows(old, mart, where), mart
        sources = new.execute(
            "select figures_from_snapshot from meta.withheld_councils order by run_id"
        ).fetchall()  # fmt: skip
    assert sources == [(before_id,), (before_id,)]


def test_failure_of_no_council_fails_the_night_and_publishes_nothing(copied, region):
    before_id = _snapshot_id(copied)
    # An adopter household sent twice: the unique test on household_id fails, and household ids
    # (the agency's own, e.g. HH102021) name no council, so nobody can be withheld.
    with duckdb.connect(str(copied.database)) as con:
        con.execute("insert into canonical.adopter_households "
                    "select * from canonical.adopter_households limit 1")  # fmt: skip
    result = _build(copied)
    assert not result.success
    failed = [e.step_key for e in result.all_events if e.is_step_failure]
    assert failed == ["raa_dbt_models"]
    assert _snapshot_id(copied) == before_id
    with (
        duckdb.connect(str(copied.database), read_only=True) as con,
        pytest.raises(duckdb.CatalogException),
    ):
        con.execute("select * from audit.withheld_councils").fetchall()


def test_two_councils_breaking_tests_are_both_withheld(copied, region):
    """KIL and ASH each send a child twice: the failing rows name two councils, both are
    withheld, every other council is published."""
    _break_council(copied, WITHHELD)
    _break_council(copied, "ASH")
    result = _build(copied)
    assert result.success
    with duckdb.connect(str(copied.database), read_only=True) as con:
        held = dict(con.execute(
            "select council_code, failing_tests from audit.withheld_councils").fetchall())  # fmt: skip
    assert set(held) == {"ASH", WITHHELD}
    assert "unique_dim_child_child_id" in held[WITHHELD] and held["ASH"] == held[WITHHELD]
    with duckdb.connect(str(published_database(copied.published_dir)), read_only=True) as new:
        flags = dict(new.execute(
            "select council_code, bool_and(is_withheld) from marts.scorecard_timeliness group by 1"
        ).fetchall())  # fmt: skip
    assert flags == {"ASH": True, WITHHELD: True, "NTH": False, "FEN": False, "REGION": False}


def test_withholding_on_the_first_publish_leaves_the_council_out(copied, region):
    """No earlier snapshot to carry figures from: the council's rows are left out (none carried),
    the others are published, and the record says no snapshot supplied its figures."""
    for snapshot in copied.published_dir.glob("*"):
        if snapshot.is_symlink() or snapshot.is_file():
            snapshot.unlink()
    for folder in ("snapshots", "data_docs"):
        shutil.rmtree(copied.published_dir / folder, ignore_errors=True)
    _break_council(copied, WITHHELD)
    result = _build(copied)
    assert result.success
    with duckdb.connect(str(published_database(copied.published_dir)), read_only=True) as new:
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
