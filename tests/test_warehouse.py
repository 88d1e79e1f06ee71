"""The warehouse file's format (pipelines.warehouse.connect)."""

import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from pipelines.warehouse import STORAGE_VERSION, connect, ensure_schemas

HOLD = (
    "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('held', flush=True); "
    "time.sleep(float(sys.argv[2])); c.close()"
)


def _hold(database, seconds: float) -> subprocess.Popen:
    """Another process with the warehouse open for `seconds`."""
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(database), str(seconds)],
                              stdout=subprocess.PIPE, text=True)  # fmt: skip
    assert holder.stdout.readline().strip() == "held"
    return holder


def test_a_new_warehouse_is_written_in_the_storage_format_that_compresses_text_cheaply(tmp_path):
    database = tmp_path / "raa.duckdb"
    with connect(database) as con:
        con.execute("create table t as select md5(i::varchar) as k from range(200000) r(i)")
    with connect(database, read_only=True) as con:  # the format stays the file's own
        tags = con.execute(
            "select tags from duckdb_databases() where database_name = 'raa'"
        ).fetchone()[0]
        methods = {m for (m,) in con.execute(
            "select distinct compression from pragma_storage_info('t')"
        ).fetchall()}  # fmt: skip
    assert tags["storage_version"].startswith(STORAGE_VERSION)
    assert "DICT_FSST" in methods  # not in DuckDB's default (v0.10) format


def test_a_writer_waits_for_another_process_to_let_go_of_the_warehouse(tmp_path):
    """A reader in another process (raa status, an analyst) holds the file's lock: a writer
    waits it out instead of failing the night on "Could not set lock"; but not for ever."""
    database = tmp_path / "raa.duckdb"
    connect(database).close()
    holder = _hold(database, 1.5)
    started = time.monotonic()
    connect(database).close()
    assert 0.3 < time.monotonic() - started < 30
    holder.wait(10)
    holder = _hold(database, 10)
    try:
        with pytest.raises(duckdb.IOException, match="lock"):
            connect(database, lock_wait_seconds=0.5)
    finally:
        holder.kill()


def test_a_warehouse_from_before_the_launch_and_membership_dates_gains_their_columns(tmp_path):
    database = tmp_path / "old.duckdb"
    with duckdb.connect(str(database)) as con:
        con.execute("create schema canonical")
        con.execute(
            "create table canonical.councils (council_code varchar primary key, council_name"
            " varchar not null, dialect varchar not null, role varchar not null, hub varchar,"
            " is_partnership boolean not null default false)"
        )
        con.execute(
            "insert into canonical.councils values ('AAA', 'A', 'ssda903', 'partner', null, false)"
        )
        ensure_schemas(con)
        columns = [c for (c,) in con.execute(
            "select column_name from duckdb_columns() where table_name = 'councils'").fetchall()]  # fmt: skip
        assert columns[-3:] == ["launched_on", "joined_on", "left_on"]
        assert con.execute("select count(*) from canonical.councils").fetchone() == (1,)
        con.execute("alter table canonical.finance_ledger add column description varchar")
        con.execute("insert into audit.submissions (council_code, submission_id, received_at,"
                    " dialect, reference_date, collection_year, manifest_sha256, status,"
                    " loaded_at) values ('AAA', 's', now(), 'x', today(), 2025, 'h', 'loaded',"
                    " now())")  # fmt: skip
        ensure_schemas(con)  # the next night: free text gone, the release column there
        ledger = [c for (c, *_) in con.execute("describe canonical.finance_ledger").fetchall()]
        assert "description" not in ledger
        assert con.execute("select stored_as from audit.submissions").fetchall() == [(None,)]


def test_the_builds_own_records_wait_for_a_reader_too(tmp_path):
    """What the build step writes beside dbt (which build made the marts, whom it withheld)
    goes through connect: a sensor reading the file at that moment does not fail the night."""
    from pipelines.operations.withhold import (
        Attribution,
        FailedTest,
        record_build,
        record_withheld,
    )

    database = tmp_path / "raa.duckdb"
    connect(database).close()
    holder = _hold(database, 1.0)
    record_build(database, "run-1")
    holder.wait(10)
    holder = _hold(database, 1.0)
    failed = FailedTest("test.raa.unique_dim_child_child_id", "unique_dim_child_child_id", "fail",
                        "Got 1 result", councils={"KIL"})  # fmt: skip
    record_withheld(database, "run-1", Attribution([failed], []))
    holder.wait(10)
    with connect(database, read_only=True) as con:
        assert con.execute("select run_id from audit.builds").fetchall() == [("run-1",)]
        assert con.execute("select council_code from audit.withheld_councils").fetchall() == [
            ("KIL",)
        ]


@pytest.mark.slow
def test_dbt_waits_for_a_reader_to_let_go_of_the_warehouse(tmp_path):
    from pipelines.settings import DBT_PROJECT_DIR, warehouse_vars

    database = tmp_path / "raa.duckdb"
    connect(database).close()
    # held past dbt's parse (4-10 s): dbt opens the file when the parse is done
    holder = _hold(database, 12.0)
    shown = subprocess.run(
        [str(Path(sys.executable).parent / "dbt"), "show", "--inline", "select 42 as answer",
         *warehouse_vars(database), "--target-path", str(tmp_path / "target"),
         "--log-path", str(tmp_path / "logs")],
        cwd=DBT_PROJECT_DIR, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    holder.wait(10)
    assert shown.returncode == 0, shown.stdout + shown.stderr
    assert "42" in shown.stdout
