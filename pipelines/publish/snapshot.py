"""Write one snapshot of the marts into a staging folder: the general DuckDB file (suppressed
aggregates, money tables as they are, `meta` history), Parquet per mart, restricted files."""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass, field
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
from pipelines.publish.disclosure import ROW_FLAG, marts_suppression_flags, suppressed_select_sql

META_DDL = """
create schema if not exists marts;
create schema if not exists meta;
create table meta.publishes (
    run_id varchar not null, snapshot_id varchar not null, published_at timestamp not null,
    councils integer not null, tables integer not null, rows_published bigint not null,
    data_as_of date
);
create table meta.publish_submissions (
    run_id varchar not null, council_code varchar not null, submission_id varchar not null,
    manifest_sha256 varchar not null, received_at timestamp, is_stale boolean,
    reference_date date
);
create table meta.publish_tables (
    run_id varchar not null, table_name varchar not null, disclosure varchar not null,
    rows_published bigint not null, rows_with_suppression bigint not null
);
create table meta.withheld_councils (
    run_id varchar not null, council_code varchar not null, reason varchar not null,
    figures_from_snapshot varchar, rows_carried_over bigint not null
);
"""
META_TABLES = ("publishes", "publish_submissions", "publish_tables")
WITHHELD_FLAG = "is_withheld"
# Marts whose every council's figures depend on every other's (the formula's shares): on a night
# that withholds a council they are carried over whole from the last snapshot, since this
# build's shares, worked out without that council, would count part of a pool twice beside its
# carried-over contribution.
WHOLE_WHEN_WITHHOLDING = ("cost_apportionment", "budget_variance", "formula_comparison",
                          "funding_driver_events")  # fmt: skip
WITHHELD_DESCRIPTION = (
    "True on a row carried over unchanged from an earlier snapshot for a council withheld from "
    "this publish (its data broke a dbt test: meta.withheld_councils); false on this build's rows."
)


@dataclass
class Withholding:
    """The councils this publish withholds and where their last published rows are."""

    reasons: dict[str, str]  # council -> why, in plain words
    previous_dir: Path | None = None  # the snapshot folder currently published
    previous_id: str | None = None
    figures_from: dict[str, str | None] = field(default_factory=dict)  # council -> snapshot id
    carried: dict[str, int] = field(default_factory=dict)  # council -> rows carried over

    @property
    def codes(self) -> list[str]:
        return sorted(self.reasons)

    def source(self, name: str, restricted: bool) -> str | None:
        """The previous snapshot's file holding mart `name` (None when there is none)."""
        if self.previous_dir is None or not self.reasons:
            return None
        path = (self.previous_dir / "restricted" / f"{name}.duckdb" if restricted
                else self.previous_dir / "raa.duckdb")  # fmt: skip
        return str(path) if path.exists() else None


def _columns(con, table: str) -> list[str]:
    return [c[0] for c in con.execute(f"select * from {table} limit 0").description]


def mark_and_carry(con, table: str, name: str, withholding: Withholding | None,
                   restricted: bool = False) -> int:  # fmt: skip
    """Add `is_withheld` to a mart with a council_code (false on every row of this build) and
    copy the withheld councils' rows into it from the previous snapshot (true); a mart of
    WHOLE_WHEN_WITHHOLDING is copied whole. Rows carried."""
    columns = _columns(con, table)
    if "council_code" not in columns:
        return 0
    con.execute(f"alter table {table} add column {WITHHELD_FLAG} boolean default false")
    if not withholding or not withholding.codes:
        return 0
    codes = ", ".join("'" + c.replace("'", "''") + "'" for c in withholding.codes)
    source = withholding.source(name, restricted)
    carried = "true" if name in WHOLE_WHEN_WITHHOLDING and source else f"council_code in ({codes})"
    # Rows the build still has for a withheld council come from configuration, not its data
    # (the funding formula's partners: a zero share); its last published rows replace them.
    con.execute(f"delete from {table} where {carried}")
    if source is None:
        return 0
    con.execute(f"attach '{source}' as previous_mart (read_only)")
    try:
        try:
            before = _columns(con, f"previous_mart.marts.{name}")
        except duckdb.CatalogException:
            return 0  # the mart is new since the previous snapshot
        shared = [c for c in columns if c in before]
        listed = ", ".join(f'"{c}"' for c in shared)
        con.execute(
            f"insert into {table} ({listed}, {WITHHELD_FLAG}) select {listed}, true "
            f"from previous_mart.marts.{name} where {carried}"
        )
        for code, rows in con.execute(
            f"select council_code, count(*) from previous_mart.marts.{name} "
            f"where council_code in ({codes}) group by 1"
        ).fetchall():  # fmt: skip
            withholding.carried[code] = withholding.carried.get(code, 0) + rows
        return con.execute(
            f"select count(*) from {table} where {WITHHELD_FLAG}"
        ).fetchone()[0]  # fmt: skip
    finally:
        con.execute("detach previous_mart")


def _extra(con, table: str, extra: dict | None = None) -> dict:
    flag = {WITHHELD_FLAG: WITHHELD_DESCRIPTION} if WITHHELD_FLAG in _columns(con, table) else {}
    return {**(extra or {}), **flag}


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


# DuckDB's number types (of a column's data_type): integers, decimals and floating point.
NUMBER = re.compile(r"U?(TINY|SMALL|BIG|HUGE)?INT(EGER)?|DOUBLE|FLOAT|REAL|DECIMAL\(.*\)")


def undeclared_numbers(con: duckdb.DuckDBPyConnection, marts: list[str]) -> dict[str, list[str]]:
    """Per suppressed mart, its number columns its DisclosureRule does not declare (a count
    added to the mart, not yet given a rule): left out of the snapshot."""
    columns = con.execute(
        "select table_name, column_name, data_type from duckdb_columns() "
        "where database_name = 'work' and schema_name = 'marts' order by table_name, column_index"
    ).fetchall()
    undeclared: dict[str, list[str]] = {}
    for mart, column, data_type in columns:
        rule = AGGREGATE_MARTS.get(mart)
        if (rule is not None and mart in marts and NUMBER.fullmatch(data_type)
                and column not in rule.declares(mart)):  # fmt: skip
            undeclared.setdefault(mart, []).append(column)
    return undeclared


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
        """select c.council_code, c.submission_id, s.manifest_sha256, s.received_at, c.is_stale,
                  s.reference_date
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


def _numbered(name: str) -> str:
    return f"(select rowid as _row, * from sorted_{name})"


def _exact(con, name: str) -> pd.DataFrame:
    """The working mart in a fixed row order (`_row`), as the suppression works it out."""
    con.execute(f"create temp table sorted_{name} as select * from work.marts.{name} order by all")
    return con.sql(f"select * from {_numbered(name)}").df()


def _write_suppressed(con, name: str, exact: pd.DataFrame, flags: pd.DataFrame, parquet_dir: Path,
                      withholding: Withholding | None = None,
                      left_out: list[str] = ()) -> PublishedTable:  # fmt: skip
    rule = AGGREGATE_MARTS[name]
    numbered = _numbered(name)
    flags.insert(0, "_row", exact["_row"].to_numpy())
    con.register(f"flags_{name}", flags)
    con.execute(f"create table marts.{name} as "
                + suppressed_select_sql(numbered, f"flags_{name}", rule, left_out))  # fmt: skip
    con.unregister(f"flags_{name}")
    carried = mark_and_carry(con, f"marts.{name}", name, withholding)
    description = _copy_described(
        con,
        f"marts.{name}",
        name,
        parquet_dir / f"{name}.parquet",
        _extra(con, f"marts.{name}", suppression_descriptions(name)),
    )
    suppressed = con.execute(f"select count(*) from marts.{name} where {ROW_FLAG}").fetchone()[0]
    return PublishedTable(name, "suppressed", len(flags) + carried, suppressed, description)


def _write_as_is(con, name: str, parquet_dir: Path,
                 withholding: Withholding | None = None) -> PublishedTable:  # fmt: skip
    con.execute(f"create table marts.{name} as select * from work.marts.{name} order by all")
    mark_and_carry(con, f"marts.{name}", name, withholding)
    description = _copy_described(con, f"marts.{name}", name, parquet_dir / f"{name}.parquet",
                                  _extra(con, f"marts.{name}"))  # fmt: skip
    rows = con.execute(f"select count(*) from marts.{name}").fetchone()[0]
    return PublishedTable(name, "as_is", rows, description=description)


def _write_restricted(con, name: str, restricted_dir: Path,
                      withholding: Withholding | None = None) -> PublishedTable:  # fmt: skip
    alias = f"restricted_{name}"
    con.execute(f"attach '{restricted_dir / name}.duckdb' as {alias}")
    con.execute(f"create schema {alias}.marts")
    con.execute(f"create table {alias}.marts.{name} as "
                f"select * from work.marts.{name} order by all")  # fmt: skip
    mark_and_carry(con, f"{alias}.marts.{name}", name, withholding, restricted=True)
    description = _copy_described(con, f"{alias}.marts.{name}", name,
                                  restricted_dir / "parquet" / f"{name}.parquet",
                                  _extra(con, f"{alias}.marts.{name}"))  # fmt: skip
    rows = con.execute(f"select count(*) from {alias}.marts.{name}").fetchone()[0]
    con.execute(f"detach {alias}")
    return PublishedTable(name, "restricted", rows, description=description)


def write_marts(con, staging: Path, marts: list[str], total_code: str,
                withholding: Withholding | None = None,
                left_out: dict[str, list[str]] | None = None) -> list[PublishedTable]:  # fmt: skip
    """`left_out`: per suppressed mart, the columns not published (undeclared_numbers)."""
    written = []
    exact = {name: _exact(con, name) for name in marts if disclosure_of(name) == "suppressed"}
    flags = marts_suppression_flags(exact, total_code)
    for name in marts:
        kind = disclosure_of(name)
        if kind == "suppressed":
            written.append(_write_suppressed(con, name, exact[name], flags[name],
                                             staging / "parquet", withholding,
                                             (left_out or {}).get(name, [])))  # fmt: skip
        elif kind == "as_is":
            written.append(_write_as_is(con, name, staging / "parquet", withholding))
        elif kind == "restricted":
            written.append(_write_restricted(con, name, staging / "restricted", withholding))
    return written


def previous_withholding(previous_db: Path, reasons: dict[str, str]) -> Withholding:
    """Where the withheld councils' last published figures are: the current snapshot (or, for a
    council it withheld too, the snapshot it carried them from)."""
    withholding = Withholding(reasons)
    if not reasons or not previous_db.exists():
        return withholding
    withholding.previous_dir = previous_db.resolve().parent
    with duckdb.connect(str(previous_db), read_only=True) as con:
        run_id, withholding.previous_id = con.execute(
            "select run_id, snapshot_id from meta.publishes order by published_at desc limit 1"
        ).fetchone()  # fmt: skip
        try:
            earlier = dict(con.execute(
                "select council_code, figures_from_snapshot from meta.withheld_councils "
                "where run_id = ?", [run_id]
            ).fetchall())  # fmt: skip
        except duckdb.CatalogException:
            earlier = {}
    withholding.figures_from = {code: earlier.get(code, withholding.previous_id)
                                for code in reasons}  # fmt: skip
    return withholding


def write_meta(
    con, previous_db: Path | None, run_id: str, snapshot_id: str, published_at: datetime,
    submissions: pd.DataFrame, tables: list[PublishedTable],
    withholding: Withholding | None = None,
) -> None:  # fmt: skip
    """The publish history analysts can query: earlier publishes carried over, this one added."""
    if previous_db is not None and previous_db.exists():
        con.execute(f"attach '{previous_db}' as previous (read_only)")
        for table in META_TABLES:  # by name: a column added since is null in earlier rows
            con.execute(f"insert into meta.{table} by name select * from previous.meta.{table}")
        with contextlib.suppress(duckdb.CatalogException):  # a snapshot from before withholding
            con.execute("insert into meta.withheld_councils "
                        "select * from previous.meta.withheld_councils")  # fmt: skip
        con.execute("detach previous")
    for code in withholding.codes if withholding else []:
        con.execute(
            "insert into meta.withheld_councils values (?, ?, ?, ?, ?)",
            [run_id, code, withholding.reasons[code], withholding.figures_from.get(code),
             withholding.carried.get(code, 0)],
        )  # fmt: skip
    con.execute(
        "insert into meta.publishes values (?, ?, ?, ?, ?, ?, ?)",
        [run_id, snapshot_id, published_at, len(submissions), len(tables),
         sum(t.rows for t in tables if t.disclosure != "restricted"), _data_as_of(con)],
    )  # fmt: skip
    for row in submissions.itertuples():
        con.execute(
            "insert into meta.publish_submissions values (?, ?, ?, ?, ?, ?, ?)",
            [run_id, row.council_code, row.submission_id, row.manifest_sha256,
             row.received_at.to_pydatetime(), bool(row.is_stale),
             row.reference_date],
        )  # fmt: skip
    con.executemany(
        "insert into meta.publish_tables values (?, ?, ?, ?, ?)",
        [[run_id, t.name, t.disclosure, t.rows, t.rows_with_suppression] for t in tables],
    )


def _data_as_of(con):
    """The date the published figures stand at (the build's int_data_as_of); None when the
    working database has no such model."""
    try:
        return con.execute("select as_of_date from work.intermediate.int_data_as_of").fetchone()[0]
    except duckdb.CatalogException:
        return None


def rows_to_carry(withholding: Withholding, marts: list[str]) -> dict[str, int]:
    """Per mart, the previous snapshot's rows of the withheld councils (the release gate compares
    this build's row counts with the previous publish less these). No entry for the marts
    carried whole: the build still has a row for every partner (configuration gives a withheld
    council a zero share), so their counts compare with the previous publish as they are."""
    counts = {}
    codes = ", ".join("'" + c.replace("'", "''") + "'" for c in withholding.codes)
    for name in marts:
        source = withholding.source(name, disclosure_of(name) == "restricted")
        if source is None or name in WHOLE_WHEN_WITHHOLDING:
            continue
        with duckdb.connect(source, read_only=True) as con:
            try:
                counts[name] = con.execute(
                    f"select count(*) from marts.{name} where council_code in ({codes})"
                ).fetchone()[0]  # fmt: skip
            except (duckdb.BinderException, duckdb.CatalogException):
                continue  # no council_code, or a mart new since then
    return counts


def councils_published(published_db: Path) -> set[str] | None:
    """The councils in the published snapshot: those whose submissions it was built from and
    those it withheld (their earlier figures carried); None when nothing is published."""
    if not published_db.exists():
        return None
    latest = "(select run_id from meta.publishes order by published_at desc limit 1)"
    with duckdb.connect(str(published_db), read_only=True) as con:
        codes = {code for (code,) in con.execute(
            f"select council_code from meta.publish_submissions where run_id = {latest}"
        ).fetchall()}  # fmt: skip
        with contextlib.suppress(duckdb.CatalogException):  # a snapshot from before withholding
            codes |= {code for (code,) in con.execute(
                f"select council_code from meta.withheld_councils where run_id = {latest}"
            ).fetchall()}  # fmt: skip
    return codes


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
