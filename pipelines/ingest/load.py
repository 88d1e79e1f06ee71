"""Write one council's validated submission into the warehouse, atomically.

Everything a submission changes (its canonical rows, its audit rows) is written in a single
DuckDB transaction: a failure half-way leaves the council's previous data untouched.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import duckdb
import pandas as pd

from data_contracts.tables import TABLES, stored_columns


@dataclass
class AuditRecord:
    council_code: str
    submission_id: str
    received_at: datetime
    dialect: str
    reference_date: date
    collection_year: int
    manifest_sha256: str
    status: str
    message: str | None
    file_loads: pd.DataFrame
    rejections: pd.DataFrame
    warnings: pd.DataFrame


def _insert_frame(
    con: duckdb.DuckDBPyConnection, target: str, frame: pd.DataFrame, columns
) -> None:
    con.register("incoming_frame", frame)
    try:
        names = ", ".join(name for name, _ in columns)
        casts = ", ".join(f"cast({name} as {sql_type})" for name, sql_type in columns)
        con.execute(f"insert into {target} ({names}) select {casts} from incoming_frame")
    finally:
        con.unregister("incoming_frame")


def _audit_rows(con: duckdb.DuckDBPyConnection, record: AuditRecord) -> None:
    key = (record.council_code, record.submission_id)
    for table in ("submissions", "file_loads", "rejections", "warnings"):
        con.execute(f"delete from audit.{table} where council_code = ? and submission_id = ?", key)
    con.execute(
        "insert into audit.submissions values (?, ?, ?, ?, ?, ?, ?, ?, ?, now())",
        [
            record.council_code,
            record.submission_id,
            record.received_at,
            record.dialect,
            record.reference_date,
            record.collection_year,
            record.manifest_sha256,
            record.status,
            record.message,
        ],
    )
    for table, frame in (
        ("file_loads", record.file_loads),
        ("rejections", record.rejections),
        ("warnings", record.warnings),
    ):
        if len(frame):
            frame = frame.assign(
                council_code=record.council_code, submission_id=record.submission_id
            )
            columns = [c[0] for c in con.execute(f"describe audit.{table}").fetchall()]
            con.register("audit_frame", frame[columns])
            con.execute(f"insert into audit.{table} select * from audit_frame")
            con.unregister("audit_frame")


def write_loaded(
    con: duckdb.DuckDBPyConnection, record: AuditRecord, stored: dict[str, pd.DataFrame]
) -> None:
    """Replace everything this submitter sent before with this submission, in one transaction."""
    con.execute("begin transaction")
    try:
        for table in TABLES.values():
            con.execute(
                f"delete from canonical.{table.name} where submitted_by = ?", [record.council_code]
            )
            frame = stored.get(table.name)
            if frame is not None and len(frame):
                _insert_frame(con, f"canonical.{table.name}", frame, stored_columns(table))
        _audit_rows(con, record)
        con.execute(
            "insert or replace into audit.current_submissions values (?, ?, now(), false, null)",
            [record.council_code, record.submission_id],
        )
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise


def write_failed(con: duckdb.DuckDBPyConnection, record: AuditRecord) -> None:
    """Record a submission that could not be loaded; the previous data stays, flagged stale."""
    con.execute("begin transaction")
    try:
        _audit_rows(con, record)
        con.execute(
            """update audit.current_submissions set is_stale = true, stale_reason = ?
               where council_code = ?""",
            [f"submission {record.submission_id} failed: {record.message}", record.council_code],
        )
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise


def current_manifest(con: duckdb.DuckDBPyConnection, council_code: str) -> str | None:
    row = con.execute(
        """select s.manifest_sha256 from audit.current_submissions c
           join audit.submissions s using (council_code, submission_id)
           where c.council_code = ?""",
        [council_code],
    ).fetchone()
    return row[0] if row else None
