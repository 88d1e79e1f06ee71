"""Write one snapshot of the marts into a staging folder: the general DuckDB file (suppressed
aggregates, money tables as they are, `meta` history), Parquet per mart, restricted files."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd

from pipelines.publish.catalogue import AGGREGATE_MARTS, AS_IS_MARTS, CHILD_LEVEL_MARTS
from pipelines.publish.describe import (
    comment_on,
    parquet_options,
    suppression_descriptions,
    working_descriptions,
)
from pipelines.publish.disclosure import ROW_FLAG, suppressed_select_sql, suppression_flags

META_DDL = """
create schema if not exists marts;
create schema if not exists meta;
create table meta.publishes (
    run_id varchar not null, snapshot_id varchar not null, published_at timestamp not null,
    councils integer not null, tables integer not null, rows_published bigint not null
);
create table meta.publish_submissions (
    run_id varchar not null, council_code varchar not null, submission_id varchar not null,
    manifest_sha256 varchar not null, received_at timestamp, is_stale boolean
);
create table meta.publish_tables (
    run_id varchar not null, table_name varchar not null, disclosure varchar not null,
    rows_published bigint not null, rows_with_suppression bigint not null
);
"""
META_TABLES = ("publishes", "publish_submissions", "publish_tables")


@dataclass(frozen=True)
class PublishedTable:
    name: str
    disclosure: str  # suppressed | as_is | restricted
    rows: int
    rows_with_suppression: int = 0
    description: str = ""


def disclosure_of(mart: str) -> str | None:
    if mart in AGGREGATE_MARTS:
        return "suppressed"
    if mart in AS_IS_MARTS:
        return "as_is"
    if mart in CHILD_LEVEL_MARTS:
        return "restricted"
    return None


def open_staging(staging: Path, working_db: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(staging / "raa.duckdb"))
    con.execute(f"attach '{working_db}' as work (read_only)")
    con.execute(META_DDL)
    return con


def mart_names(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [name for (name,) in con.execute(
        "select table_name from information_schema.tables "
        "where table_catalog = 'work' and table_schema = 'marts' order by 1"
    ).fetchall()]  # fmt: skip


def current_submissions(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.sql(
        """select c.council_code, c.submission_id, s.manifest_sha256, s.received_at, c.is_stale
           from work.audit.current_submissions as c
           join work.audit.submissions as s using (council_code, submission_id)
           order by c.council_code"""
    ).df()


def _copy_described(con, table: str, name: str, parquet: Path, extra: dict | None = None) -> str:
    """The working mart's descriptions onto `table`, then `table` to Parquet with them."""
    description, columns = working_descriptions(con, name)
    columns = {**columns, **(extra or {})}
    comment_on(con, table, description, columns)
    con.execute(f"copy {table} to '{parquet}' {parquet_options(description, columns)}")
    return description


def _write_suppressed(con, name: str, total_code: str, parquet_dir: Path) -> PublishedTable:
    rule = AGGREGATE_MARTS[name]
    con.execute(f"create temp table sorted_{name} as select * from work.marts.{name} order by all")
    numbered = f"(select rowid as _row, * from sorted_{name})"
    exact = con.sql(f"select * from {numbered}").df()
    flags = suppression_flags(exact, rule, total_code)
    flags.insert(0, "_row", exact["_row"].to_numpy())
    con.register(f"flags_{name}", flags)
    con.execute(f"create table marts.{name} as "
                + suppressed_select_sql(numbered, f"flags_{name}", rule))  # fmt: skip
    con.unregister(f"flags_{name}")
    description = _copy_described(con, f"marts.{name}", name, parquet_dir / f"{name}.parquet",
                                  suppression_descriptions(name))  # fmt: skip
    return PublishedTable(name, "suppressed", len(flags), int(flags[ROW_FLAG].sum()), description)


def _write_as_is(con, name: str, parquet_dir: Path) -> PublishedTable:
    con.execute(f"create table marts.{name} as select * from work.marts.{name} order by all")
    description = _copy_described(con, f"marts.{name}", name, parquet_dir / f"{name}.parquet")
    rows = con.execute(f"select count(*) from marts.{name}").fetchone()[0]
    return PublishedTable(name, "as_is", rows, description=description)


def _write_restricted(con, name: str, restricted_dir: Path) -> PublishedTable:
    alias = f"restricted_{name}"
    con.execute(f"attach '{restricted_dir / name}.duckdb' as {alias}")
    con.execute(f"create schema {alias}.marts")
    con.execute(f"create table {alias}.marts.{name} as "
                f"select * from work.marts.{name} order by all")  # fmt: skip
    description = _copy_described(con, f"{alias}.marts.{name}", name,
                                  restricted_dir / "parquet" / f"{name}.parquet")  # fmt: skip
    rows = con.execute(f"select count(*) from {alias}.marts.{name}").fetchone()[0]
    con.execute(f"detach {alias}")
    return PublishedTable(name, "restricted", rows, description=description)


def write_marts(con, staging: Path, marts: list[str], total_code: str) -> list[PublishedTable]:
    written = []
    for name in marts:
        kind = disclosure_of(name)
        if kind == "suppressed":
            written.append(_write_suppressed(con, name, total_code, staging / "parquet"))
        elif kind == "as_is":
            written.append(_write_as_is(con, name, staging / "parquet"))
        elif kind == "restricted":
            written.append(_write_restricted(con, name, staging / "restricted"))
    return written


def write_meta(
    con, previous_db: Path | None, run_id: str, snapshot_id: str, published_at: datetime,
    submissions: pd.DataFrame, tables: list[PublishedTable],
) -> None:  # fmt: skip
    """The publish history analysts can query: earlier publishes carried over, this one added."""
    if previous_db is not None and previous_db.exists():
        con.execute(f"attach '{previous_db}' as previous (read_only)")
        for table in META_TABLES:
            con.execute(f"insert into meta.{table} select * from previous.meta.{table}")
        con.execute("detach previous")
    con.execute(
        "insert into meta.publishes values (?, ?, ?, ?, ?, ?)",
        [run_id, snapshot_id, published_at, len(submissions), len(tables),
         sum(t.rows for t in tables if t.disclosure != "restricted")],
    )  # fmt: skip
    for row in submissions.itertuples():
        con.execute(
            "insert into meta.publish_submissions values (?, ?, ?, ?, ?, ?)",
            [run_id, row.council_code, row.submission_id, row.manifest_sha256,
             row.received_at.to_pydatetime(), bool(row.is_stale)],
        )  # fmt: skip
    con.executemany(
        "insert into meta.publish_tables values (?, ?, ?, ?, ?)",
        [[run_id, t.name, t.disclosure, t.rows, t.rows_with_suppression] for t in tables],
    )


def previous_row_counts(published_db: Path) -> dict[str, int]:
    """Rows per table in the snapshot currently published (empty when nothing is)."""
    if not published_db.exists():
        return {}
    with duckdb.connect(str(published_db), read_only=True) as con:
        return dict(con.execute(
            """select table_name, rows_published from meta.publish_tables
               where run_id = (select run_id from meta.publishes
                               order by published_at desc limit 1)"""
        ).fetchall())  # fmt: skip
