"""Ingest councils' submissions: archive, read, then validate, protect and load in batches.

A submission identical to the one loaded is `unchanged`; one that cannot be read is `failed`
(reported to its council, the previous data kept and flagged stale); the readable ones are
loaded together in batches (pipelines.ingest.batch) of at most BATCH_BYTES of files.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

import duckdb
import pandas as pd

from data_contracts.profiles import load_profile
from pipelines.ingest import load
from pipelines.ingest.batch import Part, ingest_batch
from pipelines.ingest.cross_rules import WARNING_COLUMNS
from pipelines.ingest.feedback import write_feedback
from pipelines.ingest.landing import Submission, archive_submission
from pipelines.ingest.outcome import (
    FILE_LOAD_COLUMNS,
    SubmissionOutcome,
    audit_record,
    financial_year_start,
)
from pipelines.ingest.read import FileProblem, RawTable, read_file
from pipelines.ingest.validate import REJECTION_COLUMNS
from pipelines.registry import Council, Registry
from pipelines.settings import Settings

log = logging.getLogger(__name__)

# Files read before a batch is validated and written: bounds memory (about 1M rows), while
# keeping per-call costs to a handful per table.
BATCH_BYTES = 64 * 1024 * 1024


def ingest_submissions(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    registry: Registry,
    due: Iterable[tuple[Council, Submission]],
    *,
    force: bool = False,
    on_outcome: Callable[[SubmissionOutcome], None] | None = None,
) -> list[SubmissionOutcome]:
    """Every submission in `due` ends `loaded`, `unchanged` or `failed`, in that order."""
    report = on_outcome or (lambda outcome: None)
    outcomes: list[SubmissionOutcome] = []

    def finish(found: list[SubmissionOutcome]) -> None:
        for outcome in found:
            report(outcome)
        outcomes.extend(found)

    parts: list[Part] = []
    size = 0
    for council, submission in due:
        profile = load_profile(council.dialect)
        archive_submission(submission, settings.archive_dir, council.dialect)
        if not force and load.current_manifest(con, council.code) == submission.manifest_sha256:
            finish([SubmissionOutcome(council.code, submission.submission_id, "unchanged",
                                      "identical to the submission already loaded")])  # fmt: skip
            continue
        raws, problems = _read_all(submission, profile)
        if problems:
            finish([_fail(con, settings, council, submission, raws, problems)])
            continue
        parts.append(Part(len(parts), council, submission, profile, raws))
        size += sum(f.size for f in submission.files)
        if size >= BATCH_BYTES:
            finish(ingest_batch(con, settings, registry, parts))
            parts, size = [], 0
    if parts:
        finish(ingest_batch(con, settings, registry, parts))
    return outcomes


def ingest_submission(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    registry: Registry,
    council: Council,
    submission: Submission,
    *,
    force: bool = False,
) -> SubmissionOutcome:
    return ingest_submissions(con, settings, registry, [(council, submission)], force=force)[0]


def _read_all(submission: Submission, profile) -> tuple[list[RawTable], list[tuple]]:
    raws, problems = [], []
    for file in submission.files:
        try:
            raws += read_file(file, profile)
        except FileProblem as problem:
            problems.append((file.name, None, str(problem)))
    if not submission.files:
        problems.append(("(none)", None, "The submission folder holds no files."))
    return raws, problems + _duplicate_sheets(raws)


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
    record = audit_record(submission, council, year, "failed", message, file_loads,
                          pd.DataFrame(columns=REJECTION_COLUMNS),
                          pd.DataFrame(columns=WARNING_COLUMNS))  # fmt: skip
    load.write_failed(con, record)
    outcome = SubmissionOutcome(
        council.code, submission.submission_id, "failed", message, file_loads
    )
    write_feedback(settings.outbox_dir, council, submission, outcome, load_profile(council.dialect))
    log.warning("%s submission %s failed: %s", council.code, submission.submission_id, message)
    return outcome
