"""Rows a release before PROTECTION_RELEASE stored, protected in place as this release stores
them, before anything else is loaded.

Loading each council's submission again would do the same, but a council whose reload failed
(an export refused by a newer check) would keep its old rows in use, and they would be
published again. So the warehouse itself is brought up to date, in one transaction, each step
for the submissions a release before it stored:
- 2: a case system's references become their keyed hash, a leaving reason off the partnership's
  list and an LA_PERM that is no LA code are left blank;
- 3: submission ids, file and sheet names lose any direct identifier (by its shape), as
  `landing.read_submission` now keeps them, in every audit and canonical table.
The submissions are then marked as stored by this release.
"""

from __future__ import annotations

import logging

import duckdb
import pandas as pd
import pyarrow as pa

from data_contracts import codes
from data_contracts.council_text import names_kept
from data_contracts.tables import TABLES, stored_name
from pipelines.ingest.load import PROTECTION_RELEASE
from pipelines.ingest.privacy import record_key

log = logging.getLogger(__name__)

RECORD_IDS_HASHED = 2  # the release from which a case system's references are hashed
EARLIER = """
select council_code, submission_id from audit.submissions
where status = 'loaded' and coalesce(stored_as, 1) < ?
"""
KEPT_NAMES = ("submission_id", "file_name", "sheet_name")


def protect_earlier_rows(con: duckdb.DuckDBPyConnection, key: str) -> int:
    """Protect the rows of every submission stored by an earlier release; how many
    submissions that was (0 on every night after the first)."""
    due = con.execute(
        "select count(*) from audit.submissions where coalesce(stored_as, 1) < ?",
        [PROTECTION_RELEASE],
    ).fetchone()[0]
    if not due:
        return 0
    con.execute("begin transaction")
    try:
        earlier = con.execute(EARLIER, [RECORD_IDS_HASHED]).fetch_arrow_table()
        if earlier.num_rows:
            _hash_record_ids(con, earlier, key)
        _keep_names_without_identifiers(con)
        con.execute(
            "update audit.submissions set stored_as = ? where coalesce(stored_as, 1) < ?",
            [PROTECTION_RELEASE, PROTECTION_RELEASE],
        )
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    log.warning("protected in place the rows of %d submission(s) stored by an earlier release", due)
    return due


def _hash_record_ids(con: duckdb.DuckDBPyConnection, earlier: pa.Table, key: str) -> None:
    con.register("earlier_submissions", earlier)
    try:
        for table in TABLES.values():
            for column in table.columns:
                if column.privacy == "record_id":
                    _hash_in_place(con, table.name, stored_name(column), key)
        reasons = ", ".join(f"'{r}'" for r in codes.WITHDRAWAL_REASONS)
        con.execute(
            f"update canonical.adopter_events set reason = null where reason not in ({reasons})"
            f" and {_OF_EARLIER}"
        )
        con.execute(
            "update canonical.previous_permanence set previous_permanence_la = null where not"
            f" regexp_full_match(previous_permanence_la, '{codes.LA_PERM}') and {_OF_EARLIER}"
        )
    finally:
        con.unregister("earlier_submissions")


def _keep_names_without_identifiers(con: duckdb.DuckDBPyConnection) -> None:
    """Every kept name, whichever release stored it: a name is only rewritten when it holds an
    identifier (a name already kept this way reads the same again), the same way in every
    table, and never onto a name already in use (' (2)' is added then)."""
    found = con.execute(
        "select c.column_name, list(c.table_schema || '.' || c.table_name)"
        " from information_schema.columns c"
        " join information_schema.tables t using (table_catalog, table_schema, table_name)"
        " where c.table_schema in ('audit', 'canonical') and t.table_type = 'BASE TABLE'"
        f" and c.column_name in {KEPT_NAMES} group by all"
    ).fetchall()
    for column, tables in found:
        union = " union ".join(f"select {column} as name from {t}" for t in tables)
        names = con.execute(f"select name from ({union}) where name is not null").fetchall()
        renamed = {n: kept for n, kept in names_kept(sorted(n for (n,) in names)).items()
                   if kept != n}  # fmt: skip
        if not renamed:
            continue
        con.register(
            "kept_names", pa.table({"sent": list(renamed), "kept": list(renamed.values())})
        )
        try:
            for table in tables:
                con.execute(
                    f"update {table} set {column} = kept_names.kept from kept_names"
                    f" where {table.split('.')[1]}.{column} = kept_names.sent"
                )
        finally:
            con.unregister("kept_names")


# The submitter's code names the submission: an agency's rows carry each council's code.
_OF_EARLIER = (
    "(submitted_by, submission_id) in "
    "(select (council_code, submission_id) from earlier_submissions)"
)


def _hash_in_place(con: duckdb.DuckDBPyConnection, table: str, column: str, key: str) -> None:
    sent = con.execute(
        f"select distinct {column} from canonical.{table} where {column} is not null"
        f" and {_OF_EARLIER}"
    ).fetch_arrow_table()
    if not sent.num_rows:
        return
    raw = pd.Series(sent.column(0).to_pylist(), dtype="str")
    keys = pa.table({"sent": sent.column(0), "hashed": pa.array(record_key(raw, key), pa.string())})
    con.register("record_keys", keys)
    try:
        con.execute(
            f"update canonical.{table} set {column} = record_keys.hashed from record_keys"
            f" where {table}.{column} = record_keys.sent and {_OF_EARLIER}"
        )
    finally:
        con.unregister("record_keys")
