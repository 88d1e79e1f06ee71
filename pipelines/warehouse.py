"""The warehouse file's fixed schemas: `canonical` (validated council data) and `audit`."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import duckdb

from data_contracts.tables import TABLES, stored_columns

log = logging.getLogger(__name__)

# Every audit table, declared once: what each load received, accepted and rejected, which
# councils a build withheld, which build made the working marts, and every publish attempt.
AUDIT_DDL = """
create schema if not exists audit;
create table if not exists audit.submissions (
    council_code varchar not null,
    submission_id varchar not null,
    received_at timestamp not null,
    dialect varchar not null,
    reference_date date not null,
    collection_year integer not null,
    manifest_sha256 varchar not null,
    status varchar not null,          -- loaded | failed
    message varchar,
    loaded_at timestamp not null,
    primary key (council_code, submission_id)
);
-- Every load and failure, also one whose folder was sent again with other files (the tables
-- above keep one row per council and submission id: the latest load of it), and, once, a
-- folder holding the files of the submission in use under another name (unchanged, no rows).
create table if not exists audit.load_history (
    council_code varchar not null,
    submission_id varchar not null,
    manifest_sha256 varchar not null,
    status varchar not null,          -- loaded | failed | unchanged
    message varchar,
    files integer not null,
    rows_received bigint not null,
    rows_accepted bigint not null,
    rows_rejected bigint not null,
    rows_queried bigint not null,     -- rows kept with at least one query (audit.warnings)
    loaded_at timestamp not null
);
create table if not exists audit.file_loads (
    council_code varchar not null,
    submission_id varchar not null,
    file_name varchar not null,
    sheet_name varchar,
    canonical_table varchar,
    sha256 varchar not null,
    rows_received integer not null,
    rows_accepted integer not null,
    rows_rejected integer not null,
    status varchar not null,          -- loaded | failed | not_loaded | ignored
    message varchar
);
create table if not exists audit.rejections (
    council_code varchar not null,
    submission_id varchar not null,
    file_name varchar not null,
    canonical_table varchar,
    source_row integer,
    source_column varchar,
    rule varchar not null,
    dfe_rule varchar,
    message varchar not null,
    offending_value varchar
);
create table if not exists audit.warnings (
    council_code varchar not null,
    submission_id varchar not null,
    file_name varchar not null,
    canonical_table varchar,
    source_row integer,
    rule varchar not null,
    dfe_rule varchar,
    message varchar not null
);
create table if not exists audit.current_submissions (
    council_code varchar primary key,
    submission_id varchar not null,
    loaded_at timestamp not null,
    is_stale boolean not null,        -- a later submission failed; this one is still in use
    stale_reason varchar
);
create table if not exists audit.withheld_councils (
    council_code varchar not null,
    run_id varchar not null,
    withheld_at timestamp not null,
    failing_tests varchar not null,   -- JSON list of dbt test names
    message varchar not null          -- in plain words, for the council and the operators
);
create table if not exists audit.builds (
    run_id varchar not null,          -- the Dagster run whose dbt build made the working marts
    built_at timestamp not null,      -- whom it left out: audit.withheld_councils, by run_id
    inputs_sha256 varchar             -- what it was made of (pipelines/operations/build_inputs.py)
);
-- A build that failed (a dbt error no council's withholding mends): nothing it made was
-- published, and raa status says so until a later build succeeds.
create table if not exists audit.failed_builds (
    run_id varchar not null,
    failed_at timestamp not null,
    problem varchar not null          -- where to read why (dbt's log)
);
-- A build run that found nothing new since the published build, so built nothing: that build
-- and its snapshot stand (raa status says so, or a night would look as if it never ran).
create table if not exists audit.unchanged_builds (
    run_id varchar not null,
    checked_at timestamp not null,
    standing_build varchar not null   -- the published build's run (audit.builds.run_id)
);
-- Which RAA_PSEUDONYM_KEY the warehouse's keys were made with: a keyed hash of a fixed text,
-- never the key (pipelines/ingest/pseudonym_key.py). One row.
create table if not exists audit.pseudonym_key (
    check_value varchar not null,
    recorded_at timestamp not null
);
create table if not exists audit.publishes (
    run_id varchar not null,
    attempted_at timestamp not null,
    status varchar not null,          -- published | refused
    snapshot_id varchar,
    message varchar,
    submissions varchar,              -- JSON: council, submission id, manifest hash
    row_counts varchar,               -- JSON: table -> rows published
    gate_seconds double,
    publish_seconds double
);
-- Each pruning of what earlier submissions sent (pipelines/operations/retention.py).
create table if not exists audit.prunes (
    pruned_at timestamp not null,
    retention_days integer not null,
    cutoff timestamp not null,        -- submissions last loaded before it, and out of use
    submissions integer not null,
    rejections_deleted bigint not null,
    warnings_deleted bigint not null,
    archive_folders integer not null,
    archive_bytes bigint not null,
    outbox_folders integer not null,
    dagster_runs integer not null     -- Dagster runs deleted with their event logs
);
"""


DROPPED_COLUMNS = [("finance_ledger", "description")]


def canonical_ddl() -> str:
    statements = [
        "create schema if not exists canonical;",
        # Written from the council registry at every load (dim_council reads it).
        "create table if not exists canonical.councils (council_code varchar primary key,"
        " council_name varchar not null, dialect varchar not null, role varchar not null,"
        " hub varchar, is_partnership boolean not null default false);",
        # Added after the first release: warehouses created before it gain the column here.
        "alter table canonical.councils add column if not exists launched_on date;",
        "alter table canonical.councils add column if not exists joined_on date;",
        "alter table canonical.councils add column if not exists left_on date;",
    ]
    # Columns a release stopped keeping (free text that may name anyone): gone from older files.
    statements += [f"alter table if exists canonical.{table} drop column if exists {column};"
                   for table, column in DROPPED_COLUMNS]  # fmt: skip
    for table in TABLES.values():
        cols = ",\n    ".join(f"{name} {sql_type}" for name, sql_type in stored_columns(table))
        statements.append(f"create table if not exists canonical.{table.name} (\n    {cols}\n);")
    return "\n".join(statements)


def ensure_schemas(con: duckdb.DuckDBPyConnection) -> None:
    ensure_audit(con)
    con.execute(canonical_ddl())


def ensure_audit(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(AUDIT_DDL)
    # Added after the first release: which protection release stored the submission's rows.
    con.execute("alter table audit.submissions add column if not exists stored_as integer")
    # ... and a query's column and value sent (a cross-table query names neither)
    for column in ("source_column", "offending_value"):
        con.execute(f"alter table audit.warnings add column if not exists {column} varchar")
    # ... and what each build was made of
    con.execute("alter table audit.builds add column if not exists inputs_sha256 varchar")


# A new warehouse file is created in DuckDB's 1.3 storage format, whose dictionary+FSST string
# compression is cheaper to write: committing the national canonical tables takes ~40 % less CPU
# and the file is ~15 % smaller. The format is the file's own, so every later connection (dbt's
# too) writes it. Only DuckDB 1.3 or later opens the file; the published snapshot analysts open
# keeps DuckDB's default format.
STORAGE_VERSION = "v1.3.0"


# Writers take turns through Dagster's queue, but a reader (`raa status`, `raa run`'s summary,
# the landing sensor's look at what is loaded, an analyst's read-only session) also holds the
# file's lock while it reads, for milliseconds to seconds. A writer waits that out rather than
# failing the night on "Could not set lock".
LOCK_WAIT_SECONDS = 120.0


def connect(
    database: Path, *, read_only: bool = False, lock_wait_seconds: float = LOCK_WAIT_SECONDS
) -> duckdb.DuckDBPyConnection:
    database.parent.mkdir(parents=True, exist_ok=True)
    config = {"storage_compatibility_version": STORAGE_VERSION}
    deadline = time.monotonic() + lock_wait_seconds
    pause = 0.05
    while True:
        try:
            return duckdb.connect(str(database), read_only=read_only, config=config)
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower() or time.monotonic() + pause > deadline:
                raise
            log.info("the warehouse is open in another process; waiting %.2f s", pause)
            time.sleep(pause)
            pause = min(pause * 2, 2.0)
