"""What the withholding tests share: break a council's data, build, read marts and snapshots."""

from __future__ import annotations

import duckdb

from pipelines.definitions import TRANSFORM_JOB, build_definitions
from pipelines.publish.layout import published_database
from pipelines.settings import Settings

WITHHELD = "KIL"


def snapshot_id(settings) -> str:
    with duckdb.connect(str(published_database(settings.published_dir)), read_only=True) as con:
        return con.execute(
            "select snapshot_id from meta.publishes order by published_at desc limit 1"
        ).fetchone()[0]


def break_council(settings, code: str) -> None:
    """Send one child twice: two rows of dim_child with the same child_id (council:child),
    which the `unique` test on child_id refuses."""
    with duckdb.connect(str(settings.database)) as con:
        con.execute(
            "insert into canonical.children select * from canonical.children "
            "where council_code = ? limit 1",
            [code],
        )


def council_marts(con, schema: str = "marts") -> list[str]:
    return [t for (t,) in con.execute(
        "select table_name from duckdb_columns() where schema_name = ? "
        "and column_name = 'council_code' and database_name = current_database() order by 1",
        [schema],
    ).fetchall()]  # fmt: skip


def rows_of(con, mart: str, where: str) -> list[tuple]:
    columns = [c for (c,) in con.execute(
        "select column_name from duckdb_columns() where table_name = ? and schema_name = 'marts' "
        "and database_name = current_database() and column_name <> 'is_withheld' "
        "order by column_index", [mart]).fetchall()]  # fmt: skip
    listed = ", ".join(f'"{c}"' for c in columns)
    return sorted(
        con.execute(f"select {listed} from marts.{mart} where {where}").fetchall(), key=repr
    )


def build(settings):
    # the Definitions read the settings as they are now (the SMTP server's included)
    assert Settings.from_env().warehouse_dir == settings.warehouse_dir
    job = build_definitions(Settings.from_env()).resolve_job_def(TRANSFORM_JOB)
    return job.execute_in_process(raise_on_error=False)
