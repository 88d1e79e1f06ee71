"""Write validated submissions into the warehouse, atomically.

Everything a batch of submissions changes (each council's canonical rows, their audit rows) is
written in a single DuckDB transaction: a failure half-way leaves every council's previous data
untouched. Frames go to DuckDB as Arrow tables (no conversion to Python objects).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

import duckdb
import pandas as pd
import pyarrow as pa

from data_contracts.tables import TABLES, stored_columns
from pipelines.ingest.landing import export_date_plausible

# Raised whenever a release changes what is kept of a submission (2: a case system's references
# hashed, free text no longer stored; 3: no identifier kept in submission, file or sheet names);
# upgrade.protect_earlier_rows brings rows an earlier release stored up to it, in place.
PROTECTION_RELEASE = 3


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
    con: duckdb.DuckDBPyConnection, target: str, rows: pd.DataFrame | pa.Table, columns: list[str]
) -> None:
    """Insert `rows` by column name; they are already of the target's types (see as_stored)."""
    con.register("incoming_frame", rows)
    try:
        names = ", ".join(columns)
        con.execute(f"insert into {target} ({names}) select {names} from incoming_frame")
    finally:
        con.unregister("incoming_frame")


def _reference_kept(record: AuditRecord) -> date:
    """A failed submission's export date, by its month when it may be a date of birth."""
    given = record.reference_date
    if record.status != "failed" or export_date_plausible(given, record.received_at):
        return given
    return given.replace(day=1)


def _audit_rows(con: duckdb.DuckDBPyConnection, records: list[AuditRecord]) -> None:
    keys = [(r.council_code, r.submission_id) for r in records]
    for table in ("submissions", "file_loads", "rejections", "warnings"):
        con.executemany(
            f"delete from audit.{table} where council_code = ? and submission_id = ?", keys
        )
    con.executemany(
        """insert into audit.submissions (council_code, submission_id, received_at, dialect,
               reference_date, collection_year, manifest_sha256, status, message, loaded_at,
               stored_as)
           values (?, ?, ?, ?, ?, ?, ?, ?, ?, now(), ?)""",
        [
            [r.council_code, r.submission_id, r.received_at, r.dialect, _reference_kept(r),
             r.collection_year, r.manifest_sha256, r.status, r.message, PROTECTION_RELEASE]
            for r in records
        ],
    )  # fmt: skip
    con.executemany(
        "insert into audit.load_history values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now())",
        [[r.council_code, r.submission_id, r.manifest_sha256, r.status, r.message,
          *_load_counts(r)] for r in records],
    )  # fmt: skip
    for table in ("file_loads", "rejections", "warnings"):
        frames = [
            getattr(r, table).assign(council_code=r.council_code, submission_id=r.submission_id)
            for r in records
            if len(getattr(r, table))
        ]
        if frames:
            columns = [c[0] for c in con.execute(f"describe audit.{table}").fetchall()]
            frame = pd.concat(frames, ignore_index=True)[columns]
            _insert_frame(con, f"audit.{table}", frame, columns)


def rows_named(lines: pd.DataFrame) -> int:
    """Rows named by these rejection or query lines (a row can break several rules; a line on a
    whole file names none)."""
    if not len(lines):
        return 0
    return len(
        lines.loc[lines["source_row"].notna(), ["file_name", "source_row"]].drop_duplicates()
    )


def _load_counts(record: AuditRecord) -> tuple[int, int, int, int, int]:
    """Files, rows received, accepted and held back, and rows kept with a query."""
    files = record.file_loads
    counted = files[files["status"] != "ignored"] if len(files) else files
    return (
        len(counted),
        *(int(counted[c].sum()) if len(counted) else 0
          for c in ("rows_received", "rows_accepted", "rows_rejected")),
        rows_named(record.warnings),
    )  # fmt: skip


def as_stored(frames: dict[str, pd.DataFrame]) -> dict[str, pa.Table]:
    """Each table's rows cast to the warehouse's column types, by DuckDB (its own casts), in
    memory: done where the batch is prepared, so the warehouse writer only copies."""
    stored = {}
    with duckdb.connect() as con:
        for name, frame in frames.items():
            columns = stored_columns(TABLES[name])
            casts = ", ".join(f"cast({c} as {sql_type}) as {c}" for c, sql_type in columns)
            con.register("incoming_frame", pa.Table.from_pandas(frame, preserve_index=False))
            stored[name] = con.execute(f"select {casts} from incoming_frame").to_arrow_table()
            con.unregister("incoming_frame")
    return stored


def write_loaded(
    con: duckdb.DuckDBPyConnection,
    records: list[AuditRecord],
    stored: dict[str, pa.Table],
    before_commit: Callable[[], object] | None = None,
) -> None:
    """Replace everything these submitters sent before with their new submissions (`stored`
    holds every submitter's rows, each tagged `submitted_by`), in one transaction. Should
    `before_commit` raise, nothing is committed."""
    submitters = [r.council_code for r in records]
    con.execute("begin transaction")
    try:
        for table in TABLES.values():
            con.execute(f"delete from canonical.{table.name} where submitted_by in ?", [submitters])
            rows = stored.get(table.name)
            if rows is not None and rows.num_rows:
                _insert_frame(con, f"canonical.{table.name}", rows, rows.column_names)
        _audit_rows(con, records)
        con.executemany(
            "insert or replace into audit.current_submissions values (?, ?, now(), false, null)",
            [[r.council_code, r.submission_id] for r in records],
        )
        if before_commit is not None:
            before_commit()
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise


def write_failed(con: duckdb.DuckDBPyConnection, record: AuditRecord) -> None:
    """Record a submission that could not be loaded; the previous data stays, flagged stale."""
    con.execute("begin transaction")
    try:
        _audit_rows(con, [record])
        con.execute(
            """update audit.current_submissions set is_stale = true, stale_reason = ?
               where council_code = ?""",
            [f"submission {record.submission_id} failed: {record.message}", record.council_code],
        )
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise


def _in_use(con: duckdb.DuckDBPyConnection, council_code: str, column: str):
    """A column of audit.submissions for the council's submission in use (None: none yet)."""
    row = con.execute(
        f"""select s.{column} from audit.current_submissions c
            join audit.submissions s using (council_code, submission_id)
            where c.council_code = ?""",
        [council_code],
    ).fetchone()
    return row[0] if row else None


def current_reference_date(con: duckdb.DuckDBPyConnection, council_code: str) -> date | None:
    """The export date of the council's submission in use."""
    return _in_use(con, council_code, "reference_date")


def current_table_rows(con: duckdb.DuckDBPyConnection, council_code: str) -> dict[str, int]:
    """Rows accepted per canonical table in the council's submission in use."""
    return dict(con.execute(
        """select f.canonical_table, sum(f.rows_accepted) from audit.current_submissions c
           join audit.file_loads f using (council_code, submission_id)
           where c.council_code = ? and f.canonical_table is not null group by 1""",
        [council_code],
    ).fetchall())  # fmt: skip


def record_sent_again(con: duckdb.DuckDBPyConnection, submission) -> str | None:
    """A folder whose files are the submission in use's, under another name: nothing to load,
    but a line in audit.load_history (once) says it came and was looked at, so `raa status`
    does not call it waiting. Returns the id of the submission in use it repeats."""
    council_code, submission_id = submission.council_code, submission.submission_id
    manifest_sha256 = submission.manifest_sha256
    in_use = _in_use(con, council_code, "submission_id")
    if in_use is None or in_use == submission_id:
        return None
    con.execute(
        """insert into audit.load_history
           select ?, ?, ?, 'unchanged', ?, ?, 0, 0, 0, 0, now()
           where not exists (select 1 from audit.load_history where council_code = ?
                             and submission_id = ? and manifest_sha256 = ?)""",
        [council_code, submission_id, manifest_sha256,
         f"the same files as submission {in_use}, which is in use: nothing new to load",
         len(submission.files),
         council_code, submission_id, manifest_sha256],
    )  # fmt: skip
    return in_use


def current_manifest(con: duckdb.DuckDBPyConnection, council_code: str) -> str | None:
    return _in_use(con, council_code, "manifest_sha256")
