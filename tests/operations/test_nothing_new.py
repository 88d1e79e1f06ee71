"""A night with nothing new since the published build builds and publishes nothing again: the same
submissions, registry, formula, code and date-dependent facts give the same hash; any change, or
`raa run --rebuild`, builds."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

from pipelines.defs.transform import BUILT_TAG
from pipelines.operations.build_inputs import inputs_fingerprint
from pipelines.reporting import status
from pipelines.run import dagster_instance, run_pipeline
from pipelines.settings import DBT_PROJECT_DIR, warehouse_vars
from pipelines.warehouse import connect

VARS = warehouse_vars(Path("/w/raa.duckdb"))


def _council(con, left_on: str | None) -> None:
    con.execute("delete from canonical.councils")
    con.execute(
        "insert into canonical.councils (council_code, council_name, dialect, role, left_on) "
        "values ('NTH', 'Northmere', 'ssda903', 'council', ?)",
        [left_on],
    )


def test_the_hash_changes_with_every_input_a_build_reads(warehouse):
    _council(warehouse, "2099-03-31")
    warehouse.execute("insert into audit.current_submissions values ('NTH', 's1', now(), false, "
                      "null)")  # fmt: skip
    first = inputs_fingerprint(warehouse, VARS)
    assert inputs_fingerprint(warehouse, VARS) == first
    # a row, and the same row twice (hashes are summed, so two equal rows do not cancel out)
    row = "insert into canonical.finance_ledger (submitted_by) values ('NTH')"
    warehouse.execute(row)
    once = inputs_fingerprint(warehouse, VARS)
    warehouse.execute(row)
    twice = inputs_fingerprint(warehouse, VARS)
    assert len({first, once, twice}) == 3
    # the registry's leaving date passing the build date, not merely changing
    _council(warehouse, "2099-04-30")
    moved = inputs_fingerprint(warehouse, VARS)
    _council(warehouse, "2001-03-31")
    assert len({twice, moved, inputs_fingerprint(warehouse, VARS)}) == 3
    # dbt's vars (another warehouse file, a withheld council)
    assert inputs_fingerprint(warehouse, VARS) != inputs_fingerprint(
        warehouse, warehouse_vars(Path("/other/raa.duckdb"))
    )


def test_a_refused_submission_read_again_is_nothing_new(warehouse):
    """The operator probe: KIL's refused folder stayed in landing, each night read it again
    (its audit.submissions row's loaded_at and message rewritten), and each night built and
    published the same figures, until the three snapshots kept were all copies of one. Only what
    the dbt project reads counts: the submissions in use and their staging columns."""
    _council(warehouse, None)
    insert = ("insert or replace into audit.submissions (council_code, submission_id, received_at, "
              "dialect, reference_date, collection_year, manifest_sha256, status, message, "
              "loaded_at) values (?, ?, now(), 'ssda903', '2026-10-31', 2026, 'x', ?, ?, ?)")  # fmt: skip
    warehouse.execute(insert, ["NTH", "s1", "loaded", None, "2026-11-01 01:00"])
    warehouse.execute("insert into audit.current_submissions values ('NTH', 's1', now(), false, "
                      "null)")  # fmt: skip
    warehouse.execute(insert, ["NTH", "s2", "failed", "the first try", "2026-11-02 02:00"])
    first = inputs_fingerprint(warehouse, VARS)
    warehouse.execute(insert, ["NTH", "s2", "failed", "read again", "2026-11-03 02:00"])
    warehouse.execute("update audit.current_submissions set loaded_at = now(), "
                      "stale_reason = 'read again'")  # fmt: skip
    assert inputs_fingerprint(warehouse, VARS) == first
    # what the models read still counts: the submission in use marked stale, its export date
    warehouse.execute("update audit.current_submissions set is_stale = true")
    stale = inputs_fingerprint(warehouse, VARS)
    warehouse.execute("update audit.submissions set reference_date = '2026-10-30' "
                      "where submission_id = 's1'")  # fmt: skip
    assert len({first, stale, inputs_fingerprint(warehouse, VARS)}) == 3


def test_the_models_read_the_build_date_only_where_the_hash_knows_it():
    """The hash covers the build date only through who has left and an empty warehouse's as-of
    date; a model that reads it otherwise must be added to pipelines/operations/build_inputs.py."""
    readers = {path.name for path in (DBT_PROJECT_DIR / "models").rglob("*.sql")
               if re.search(r"current_date|current_timestamp|now\(\)|today\(\)",
                            path.read_text(), flags=re.IGNORECASE)}  # fmt: skip
    assert readers == {"int_reporting_units.sql", "int_data_as_of.sql"}


def _publishes(settings) -> int:
    with connect(settings.database, read_only=True) as con:
        return con.execute("select count(*) from audit.publishes").fetchone()[0]


def _built_tag(report) -> str | None:
    with dagster_instance() as instance:
        return instance.get_run_by_id(report.build_run_id).tags.get(BUILT_TAG)


def test_a_night_with_nothing_new_publishes_nothing_again(copied):
    """The copy's first night rebuilds (its warehouse file is another, so dbt's vars differ);
    the next, with nothing new, neither builds nor publishes; a changed row, or --rebuild, does."""
    said: list[str] = []
    assert run_pipeline(copied, progress=said.append).success
    published = _publishes(copied)
    said.clear()
    report = run_pipeline(copied, progress=said.append)
    assert report.success and _publishes(copied) == published
    assert any("unchanged (nothing is new since the published snapshot" in s for s in said), said
    loads = [s for s in said if " council(s): " in s]  # it said "loaded" of each
    assert loads and all(re.fullmatch(r"(\d+) council\(s\): \1 unchanged in [\d.]+s", s)
                         for s in loads), loads  # fmt: skip
    # the runs list tells this night from one that built (filter by tag raa/built)
    assert _built_tag(report) == "no"
    # ... and raa status, whose last publish is then an earlier night's
    told = status(copied.database, ["NTH"])
    assert (f"run {report.build_run_id[:8]}: nothing new since that publish, so nothing was "
            "built; it stands") in told  # fmt: skip
    with duckdb.connect(str(copied.database)) as con:
        con.execute("delete from canonical.letterbox_exchanges where rowid = (select min(rowid) "
                    "from canonical.letterbox_exchanges)")  # fmt: skip
    report = run_pipeline(copied)
    assert report.success and _publishes(copied) == published + 1
    assert _built_tag(report) == "yes"
    assert "nothing new since that publish" not in status(copied.database, ["NTH"])
    said.clear()
    assert run_pipeline(copied, progress=said.append, rebuild=True).success
    assert _publishes(copied) == published + 2
    assert any("built and published" in s for s in said), said
