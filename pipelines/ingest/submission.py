"""Ingest one council's submission: archive, read, map, validate, protect, load, report."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date

import duckdb
import pandas as pd

from data_contracts.profiles import load_profile
from data_contracts.rules import explain
from data_contracts.tables import TABLES
from pipelines.ingest import load
from pipelines.ingest.cross_rules import WARNING_COLUMNS, cross_table_warnings
from pipelines.ingest.dialect import to_canonical
from pipelines.ingest.feedback import write_feedback
from pipelines.ingest.landing import Submission, archive_submission
from pipelines.ingest.privacy import age_at_decision, protect
from pipelines.ingest.read import FileProblem, RawTable, read_file
from pipelines.ingest.validate import REJECTION_COLUMNS, ValidationResult, validate
from pipelines.registry import Council, Registry
from pipelines.settings import Settings

log = logging.getLogger(__name__)

FILE_LOAD_COLUMNS = [
    "file_name", "sheet_name", "canonical_table", "sha256", "rows_received", "rows_accepted",
    "rows_rejected", "status", "message",
]  # fmt: skip


@dataclass
class SubmissionOutcome:
    council_code: str
    submission_id: str
    status: str  # loaded | failed | unchanged
    message: str = ""
    file_loads: pd.DataFrame = field(default_factory=pd.DataFrame)
    rejections: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=REJECTION_COLUMNS)
    )
    warnings: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=WARNING_COLUMNS))
    rows_by_table: dict[str, int] = field(default_factory=dict)

    @property
    def rows_received(self) -> int:
        return int(self.file_loads["rows_received"].sum()) if len(self.file_loads) else 0

    @property
    def rows_rejected(self) -> int:
        return int(self.file_loads["rows_rejected"].sum()) if len(self.file_loads) else 0


def financial_year_start(day: date) -> int:
    return day.year if day.month >= 4 else day.year - 1


def collection_year(submission: Submission, frames: dict[str, list[pd.DataFrame]]) -> int:
    """The 903 collection year the export belongs to: stated in submission.yaml, else the
    financial year of the latest episode date in it, else of the export date."""
    if submission.meta.get("collection_year"):
        return int(submission.meta["collection_year"])
    latest = None
    for frame in frames.get("episodes", []):
        for column in ("decom", "dec"):
            dates = pd.to_datetime(frame[column], format="%Y-%m-%d", errors="coerce")
            dates = dates[dates <= pd.Timestamp(submission.reference_date)]
            if dates.notna().any() and (latest is None or dates.max() > latest):
                latest = dates.max()
    day = latest.date() if latest is not None else submission.reference_date
    return financial_year_start(day)


def ingest_submission(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    registry: Registry,
    council: Council,
    submission: Submission,
    *,
    force: bool = False,
) -> SubmissionOutcome:
    profile = load_profile(council.dialect)
    archive_submission(submission, settings.archive_dir, council.dialect)
    if not force and load.current_manifest(con, council.code) == submission.manifest_sha256:
        return SubmissionOutcome(council.code, submission.submission_id, "unchanged",
                                 "identical to the submission already loaded")  # fmt: skip

    raws, problems = _read_all(submission, profile)
    if not submission.files:
        problems.append(("(none)", None, "The submission folder holds no files."))
    duplicate_tables = _duplicate_sheets(raws)
    problems += duplicate_tables
    if problems:
        return _fail(con, settings, council, submission, raws, problems)

    canonical = {id(raw): to_canonical(raw, profile) for raw in raws}
    by_table: dict[str, list[pd.DataFrame]] = {}
    for raw in raws:
        by_table.setdefault(raw.mapping.table, []).append(canonical[id(raw)])
    year = collection_year(submission, by_table)
    reference = submission.reference_date.isoformat()

    results: list[tuple[RawTable, ValidationResult]] = []
    for raw in raws:
        result = validate(raw, canonical[id(raw)], profile, reference, year)
        _apply_council_rule(result, raw, council, registry)
        results.append((raw, result))

    accepted = {
        table: pd.concat([r.accepted for raw, r in results if raw.mapping.table == table])
        for table in by_table
    }
    warnings = cross_table_warnings(accepted)
    rejections = pd.concat([r.rejections for _, r in results], ignore_index=True)
    file_loads = _file_loads(submission, results)
    stored = _stored_frames(
        accepted, settings.pseudonym_key, council.code, submission.submission_id
    )
    record = _record(submission, council, reference, year, "loaded", None,
                     file_loads, rejections, warnings)  # fmt: skip
    load.write_loaded(con, record, stored)
    outcome = SubmissionOutcome(
        council.code,
        submission.submission_id,
        "loaded",
        "",
        file_loads,
        rejections,
        warnings,
        {t: len(f) for t, f in stored.items()},
    )
    write_feedback(settings.outbox_dir, council, submission, outcome, profile)
    return outcome


def _read_all(submission: Submission, profile) -> tuple[list[RawTable], list[tuple]]:
    raws, problems = [], []
    for file in submission.files:
        try:
            raws += read_file(file, profile)
        except FileProblem as problem:
            problems.append((file.name, None, str(problem)))
    return raws, problems


def _duplicate_sheets(raws: list[RawTable]) -> list[tuple]:
    """Two files (or sheets) holding the same table make the export ambiguous."""
    seen: dict[str, RawTable] = {}
    problems = []
    for raw in raws:
        if raw.mapping.table in seen:
            first = seen[raw.mapping.table]
            problems.append((raw.file_name, raw.sheet,
                             f"{raw.location} and {first.location} both hold the "
                             f"{raw.mapping.table} table; send each table once."))  # fmt: skip
        seen[raw.mapping.table] = raw
    return problems


def _apply_council_rule(result: ValidationResult, raw: RawTable, council: Council, registry):
    """Rows name their council only in agency feeds; a partner may only send its own rows."""
    frame = result.accepted
    table = TABLES[raw.mapping.table]
    if "council_code" not in table.column_names:
        result.accepted = frame.assign(council_code=council.code)
        return
    given = frame["council_code"]
    source = raw.mapping.source_column("council_code") or "council_code"
    if council.is_partner:
        bad = given.notna() & (given != council.code)
        rule = "council_mismatch"
        filled = given.fillna(council.code)
    else:
        partners = {c.code for c in registry.partners}
        central_allowed = table.name == "finance_ledger"
        bad = ~given.isin(partners) & ~(given.isna() & central_allowed)
        rule = "council_not_registered"
        filled = given
    if bad.any():
        rows = frame[bad]
        extra = pd.DataFrame({
            "file_name": rows["file_name"], "canonical_table": table.name,
            "source_row": rows["source_row"], "source_column": source, "rule": rule,
            "dfe_rule": None,
            "message": [explain(rule).explanation.format(column=source, value=v if isinstance(v, str) else "")
                        for v in rows["council_code"]],
            "offending_value": rows["council_code"],
        })  # fmt: skip
        result.rejections = pd.concat(
            [result.rejections, extra[REJECTION_COLUMNS]], ignore_index=True
        )
    result.accepted = frame[~bad].assign(council_code=filled[~bad])


def _stored_frames(
    accepted: dict[str, pd.DataFrame], key: str, submitter: str, submission_id: str
) -> dict[str, pd.DataFrame]:
    stored = {}
    for name, frame in accepted.items():
        table = TABLES[name]
        out = protect(table, frame, key)
        if name == "adoption_decisions":
            out["age_at_decision_years"] = age_at_decision(frame, accepted.get("children"))
        out["submitted_by"] = submitter
        out["submission_id"] = submission_id
        out["source_row"] = frame["source_row"]
        stored[name] = out
    return stored


def _file_loads(submission: Submission, results) -> pd.DataFrame:
    hashes = {f.name: f.sha256 for f in submission.files}
    rows = []
    for raw, result in results:
        rejected = result.rejections["source_row"].dropna().nunique()
        rows.append({
            "file_name": raw.file_name, "sheet_name": raw.sheet,
            "canonical_table": raw.mapping.table, "sha256": hashes[raw.file_name],
            "rows_received": raw.rows_received, "rows_accepted": raw.rows_received - rejected,
            "rows_rejected": rejected, "status": "loaded",
            "message": (f"ignored column(s) not in the layout: {', '.join(raw.ignored_columns)}"
                        if raw.ignored_columns else None),
        })  # fmt: skip
    return pd.DataFrame(rows, columns=FILE_LOAD_COLUMNS)


def _record(
    submission, council, reference, year, status, message, file_loads, rejections, warnings
):
    return load.AuditRecord(
        council_code=council.code,
        submission_id=submission.submission_id,
        received_at=submission.received_at,
        dialect=council.dialect,
        reference_date=date.fromisoformat(reference),
        collection_year=year,
        manifest_sha256=submission.manifest_sha256,
        status=status,
        message=message,
        file_loads=file_loads,
        rejections=rejections,
        warnings=warnings,
    )


def _fail(con, settings, council, submission, raws, problems) -> SubmissionOutcome:
    hashes = {f.name: f.sha256 for f in submission.files}
    failed_files = {name for name, _, _ in problems}
    rows = [
        {"file_name": name, "sheet_name": sheet, "canonical_table": None,
         "sha256": hashes.get(name, ""), "rows_received": 0, "rows_accepted": 0,
         "rows_rejected": 0, "status": "failed", "message": message}
        for name, sheet, message in problems
    ] + [
        {"file_name": raw.file_name, "sheet_name": raw.sheet, "canonical_table": raw.mapping.table,
         "sha256": hashes[raw.file_name], "rows_received": raw.rows_received, "rows_accepted": 0,
         "rows_rejected": raw.rows_received, "status": "not_loaded",
         "message": "held back: another file in this submission could not be read"}
        for raw in raws if raw.file_name not in failed_files
    ]  # fmt: skip
    file_loads = pd.DataFrame(rows, columns=FILE_LOAD_COLUMNS)
    message = "; ".join(m for _, _, m in problems)
    year = financial_year_start(submission.reference_date)
    record = _record(submission, council, submission.reference_date.isoformat(), year, "failed",
                     message, file_loads, pd.DataFrame(columns=REJECTION_COLUMNS),
                     pd.DataFrame(columns=WARNING_COLUMNS))  # fmt: skip
    load.write_failed(con, record)
    outcome = SubmissionOutcome(
        council.code, submission.submission_id, "failed", message, file_loads
    )
    write_feedback(settings.outbox_dir, council, submission, outcome, load_profile(council.dialect))
    log.warning("%s submission %s failed: %s", council.code, submission.submission_id, message)
    return outcome
