"""A snapshot that describes itself.

dbt writes every star and mart description as a DuckDB comment in the working database
(persist_docs, in one batch at the end of the build: dbt_project/macros/persist_descriptions.sql).
Publishing copies them onto the snapshot's tables and columns, into each Parquet
file's key-value metadata (`description`, and `column_descriptions` as JSON), and lists every
published table in `meta.catalogue` with its grain, refresh time and source submissions.
"""

from __future__ import annotations

import json
from datetime import datetime

import duckdb
import pandas as pd

from pipelines.publish.catalogue import AGGREGATE_MARTS, GRAIN
from pipelines.publish.disclosure import ROW_FLAG, SMALLEST_SHOWN, flag_name

CATALOGUE_DDL = """
create table meta.catalogue (
    table_name varchar not null primary key, location varchar not null,
    disclosure varchar not null, grain varchar not null, description varchar,
    rows bigint not null, refreshed_at timestamp not null, snapshot_id varchar not null,
    source_submissions varchar not null
)
"""

META_DESCRIPTIONS = {
    "meta.publishes": "One row per snapshot published: run, snapshot id, time, councils, tables, "
    "rows.",
    "meta.publish_submissions": "The council submissions each published snapshot was built "
    "from (council, submission id, manifest hash, received, stale).",
    "meta.publish_tables": "Rows published per table and snapshot, and how many rows had a "
    "value withheld.",
    "meta.withheld_councils": "Councils withheld from a publish because their data broke a dbt "
    "test: why, and the snapshot whose figures their rows (is_withheld = true) carry over (none: "
    "no earlier figures, so the council has no rows). REGION rows leave them out.",
    "meta.catalogue": "Every table of this snapshot: where it is, its grain (the columns that "
    "identify a row), what it holds, when it was refreshed and from which submissions.",
}


# The columns that identify a row of each meta table (meta.catalogue's grain column).
META_GRAIN = {
    "meta.publishes": ("run_id",),
    "meta.publish_submissions": ("run_id", "council_code"),
    "meta.publish_tables": ("run_id", "table_name"),
    "meta.withheld_councils": ("run_id", "council_code"),
}

_RUN = "The publishing run (Dagster run id)."
_COUNCIL = "Council code, as in the council registry."
META_COLUMNS = {
    "meta.publishes": {
        "run_id": _RUN, "snapshot_id": "The snapshot's id (a hash of what it holds).",
        "published_at": "When the snapshot was published (UTC).",
        "councils": "Councils whose data the snapshot holds.",
        "tables": "Tables published.", "rows_published": "Rows published, all tables.",
        "data_as_of": "The date the snapshot's figures stand at: the earliest export date of the "
        "councils still in the partnership, to which every council's data is complete (a "
        "period ending after it is partial: is_partial).",
    },
    "meta.publish_submissions": {
        "run_id": _RUN, "council_code": _COUNCIL,
        "submission_id": "The council's submission (its landing folder's name) in use.",
        "manifest_sha256": "Hash of the submission's files as received.",
        "received_at": "When the submission was received.",
        "is_stale": "True when a later submission failed and this older one is still in use.",
        "reference_date": "The export's own date (submission.yaml's reference_date): the "
        "council's figures stand at it.",
    },
    "meta.publish_tables": {
        "run_id": _RUN, "table_name": "Published table (schema.table).",
        "disclosure": "as_is, suppressed (small counts withheld) or restricted (child level).",
        "rows_published": "Rows published.",
        "rows_with_suppression": "Rows with at least one value withheld.",
    },
    "meta.withheld_councils": {
        "run_id": _RUN, "council_code": _COUNCIL,
        "reason": "Why the council was withheld (the dbt test(s) its data broke).",
        "figures_from_snapshot": "The snapshot whose figures its rows carry over; null if none.",
        "rows_carried_over": "Rows carried over from that snapshot.",
    },
    "meta.catalogue": {
        "table_name": "Published table (schema.table).",
        "location": "The file holding it, relative to the published folder.",
        "disclosure": "as_is, suppressed (small counts withheld) or restricted (child level).",
        "grain": "The columns that identify a row.", "description": "What the table holds.",
        "rows": "Rows in the table.", "refreshed_at": "When it was published (UTC).",
        "snapshot_id": "The snapshot it belongs to.",
        "source_submissions": "The councils' submissions it was built from (council:submission).",
    },
}  # fmt: skip


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def working_descriptions(con: duckdb.DuckDBPyConnection, mart: str) -> tuple[str, dict]:
    """The mart's table comment and column comments in the working database (attached `work`)."""
    table = con.execute(
        "select comment from duckdb_tables() where database_name = 'work' "
        "and schema_name = 'marts' and table_name = ?", [mart]
    ).fetchone()  # fmt: skip
    columns = con.execute(
        "select column_name, comment from duckdb_columns() where database_name = 'work' "
        "and schema_name = 'marts' and table_name = ? and comment is not null", [mart]
    ).fetchall()  # fmt: skip
    return (table[0] if table and table[0] else ""), dict(columns)


def suppression_descriptions(mart: str) -> dict[str, str]:
    """The flag columns disclosure control adds to an aggregate mart.

    The counts are of children, households, applications or exchanges, so the words say "a
    count", not "children"; and they say how a withheld cell differs from a zero or a figure
    there is nothing to work out from (both shown with the flag false)."""
    rule = AGGREGATE_MARTS[mart]
    small = f"a count of 1 to {SMALLEST_SHOWN - 1}"
    flags = {
        flag_name(column): f"True when {column} is withheld: {small}, or withheld with such a "
        "cell so that it cannot be worked out from a total. The value is then null; a count of "
        "0 is shown as 0, with the flag false."
        for column in rule.counts
    }
    for column, bases in rule.derived.items():
        flags[flag_name(column)] = (
            f"True when {column} is withheld because a count it is worked out from "
            f"({' or '.join(bases)}) is withheld ({small}, or withheld with such a cell). The "
            "value is then null; null with the flag false means there is nothing to work it out "
            "from (none to average or share)."
        )
    flags[ROW_FLAG] = "True when any value in this row is withheld."
    return flags


def comment_on(con, table: str, description: str, columns: dict[str, str]) -> None:
    if description:
        con.execute(f"comment on table {table} is {_quote(description)}")
    present = {column[0] for column in con.execute(f"select * from {table} limit 0").description}
    for column, text in columns.items():
        if column in present:
            con.execute(f'comment on column {table}."{column}" is {_quote(text)}')


def parquet_options(description: str, columns: dict[str, str]) -> str:
    """COPY options writing the descriptions into the Parquet file's key-value metadata."""
    kv = {"description": description, "column_descriptions": json.dumps(columns, sort_keys=True)}
    pairs = ", ".join(f"{key}: {_quote(value)}" for key, value in kv.items())
    return f"(format parquet, kv_metadata {{{pairs}}})"


def describe_meta(con) -> None:
    for table, text in META_DESCRIPTIONS.items():
        comment_on(con, table, text, META_COLUMNS[table])


def write_catalogue(con, tables, snapshot_id: str, published_at: datetime,
                    submissions: pd.DataFrame) -> None:  # fmt: skip
    con.execute(CATALOGUE_DDL)
    sources = ", ".join(f"{row.council_code}:{row.submission_id}"
                        for row in submissions.itertuples())  # fmt: skip
    rows = [
        [f"marts.{t.name}",
         f"restricted/{t.name}.duckdb" if t.disclosure == "restricted" else "raa.duckdb",
         t.disclosure, ", ".join(GRAIN[t.name]), t.description or None, t.rows,
         published_at, snapshot_id, sources]
        for t in tables
    ]  # fmt: skip
    rows += [
        [name, "raa.duckdb", "as_is", ", ".join(META_GRAIN[name]), text,
         con.execute(f"select count(*) from {name}").fetchone()[0], published_at, snapshot_id,
         sources]
        for name, text in META_DESCRIPTIONS.items() if name != "meta.catalogue"
    ]  # fmt: skip
    con.executemany(f"insert into meta.catalogue values ({', '.join('?' * 9)})", rows)
    describe_meta(con)
