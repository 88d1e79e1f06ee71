"""Rows a release before PROTECTION_RELEASE stored, protected in place as this release stores
them, before anything else is loaded.

Loading each council's submission again would do the same, but a council whose reload failed
(an export refused by a newer check) would keep its old rows in use, and they would be
published again. So the warehouse itself is brought up to date, in one transaction: a case
system's references become their keyed hash, a leaving reason off the partnership's list and
an LA_PERM that is no LA code are left blank, and the rows' submissions are marked as stored
by this release.
"""

from __future__ import annotations

import logging

import duckdb
import pandas as pd
import pyarrow as pa

from data_contracts import codes
from data_contracts.tables import TABLES, stored_name
from pipelines.ingest.load import PROTECTION_RELEASE
from pipelines.ingest.privacy import record_key

log = logging.getLogger(__name__)

EARLIER = """
select council_code, submission_id from audit.submissions
where status = 'loaded' and coalesce(stored_as, 1) < ?
"""


def protect_earlier_rows(con: duckdb.DuckDBPyConnection, key: str) -> int:
    """Protect the rows of every submission stored by an earlier release; how many
    submissions that was (0 on every night after the first)."""
    earlier = con.execute(EARLIER, [PROTECTION_RELEASE]).fetch_arrow_table()
    if not earlier.num_rows:
        return 0
    con.execute("begin transaction")
    try:
        con.register("earlier_submissions", earlier)
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
        con.execute(
            "update audit.submissions set stored_as = ? where (council_code, submission_id) in"
            " (select (council_code, submission_id) from earlier_submissions)",
            [PROTECTION_RELEASE],
        )
        con.unregister("earlier_submissions")
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    log.warning("protected in place the rows of %d submission(s) stored by an earlier release",
                earlier.num_rows)  # fmt: skip
    return earlier.num_rows


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
