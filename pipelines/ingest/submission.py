"""Ingest councils' submissions: archive and prepare in batches, then write.

A submission identical to the one loaded is `unchanged`. The others are split into batches of
about BATCH_BYTES of files; each batch is archived and prepared (read, mapped, validated,
protected: pipelines.ingest.batch) without the warehouse, in worker processes when there are
several batches (this machine has 2 cores), and the main process writes each prepared batch as it
arrives: one transaction per batch, so a council is replaced atomically or not at all. A
submission that cannot be read is `failed`: its council is told why, and its previous data is
kept and flagged stale.
"""

from __future__ import annotations

import logging
import math
import multiprocessing
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import duckdb
import pandas as pd

from pipelines.ingest import continuity, load
from pipelines.ingest.batch import (
    PreparedBatch,
    PreparedSubmission,
    prepare_batch,
    render_report,
    unexpected_failure,
)
from pipelines.ingest.feedback import write_feedback
from pipelines.ingest.landing import SUBMISSION_META, Submission, archive_submission
from pipelines.ingest.outcome import FILE_LOAD_COLUMNS, SubmissionOutcome
from pipelines.ingest.pseudonym_key import ensure_same_key
from pipelines.ingest.upgrade import protect_earlier_rows
from pipelines.registry import Council, Registry
from pipelines.settings import Settings

log = logging.getLogger(__name__)

Due = list[tuple[Council, Submission]]

# A batch bounds memory (about 1M rows per 64 MB of CSV) and still pays each table's fixed
# validation cost only a few times. Below PARALLEL_BYTES, starting workers costs more than it saves.
BATCH_BYTES = 48 * 1024 * 1024
PARALLEL_BYTES = 24 * 1024 * 1024
# Batches are shared out by the work they hold, not their bytes: an agency's export (adopter
# households and events, support, finance) takes less time per byte than a council's children's
# journeys (dates, episodes, pseudonyms). Measured nationally (bench/NOTES.md, stop 36): the RAA's
# 36 MB took ~7 CPU s to prepare, councils' ~0.32 s a MB. The share was 1/3 before the agency's
# own references were hashed too; with it, the RAA's batch took 12.9 s against ~9.7 s for the
# others, and its worker finished last.
AGENCY_WORK_PER_BYTE = 0.6


# An `unchanged` outcome's message when its folder is the submission in use itself.
SAME = "identical to the submission already loaded"


def ingest_submissions(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    registry: Registry,
    due: Iterable[tuple[Council, Submission]],
    *,
    force: bool = False,
    on_outcome: Callable[[SubmissionOutcome], None] | None = None,
    workers: int | None = None,
) -> list[SubmissionOutcome]:
    """Every submission in `due` ends `loaded`, `unchanged` or `failed`. `workers` overrides
    settings.ingest_workers (RAA_INGEST_WORKERS)."""
    report = on_outcome or (lambda outcome: None)
    key = settings.pseudonym_key.get_secret_value()
    ensure_same_key(con, key)  # raises PseudonymKeyChanged before anything is written
    protect_earlier_rows(con, key)
    outcomes: list[SubmissionOutcome] = []
    changed: Due = []
    for council, submission in due:
        if not force and load.current_manifest(con, council.code) == submission.manifest_sha256:
            archive_submission(submission, settings.archive_dir, council.dialect)  # if it was lost
            repeats = load.record_sent_again(con, submission)
            said = f"the same files as submission {repeats}, which is in use" if repeats else SAME
            # What its files gave when it was loaded: the rows still in use.
            outcome = SubmissionOutcome(council.code, submission.submission_id, "unchanged",
                                        said, _current_file_loads(con, council.code))  # fmt: skip
            report(outcome)
            outcomes.append(outcome)
        else:
            in_use = tuple(load.current_table_rows(con, council.code).items())
            changed.append(
                (council, _refused_if_older(con, replace(submission, rows_in_use=in_use)))
                if submission.reference_date <= _latest_possible_export_date()
                else (council, _refused_as_future(submission))
            )
    workers = workers or settings.ingest_workers
    batches = plan_batches(changed, workers)
    parallel = workers > 1 and len(batches) > 1
    with _writer_threads(con, 1 if parallel else None):
        for prepared in _prepared_batches(settings, registry, batches, workers if parallel else 1):
            for outcome in _write(con, settings, prepared):
                report(outcome)
                outcomes.append(outcome)
    return outcomes


def _current_file_loads(con: duckdb.DuckDBPyConnection, council_code: str) -> pd.DataFrame:
    """The audit.file_loads rows of the council's submission in use (what its files gave)."""
    columns = ", ".join(f"f.{c}" for c in FILE_LOAD_COLUMNS)
    return con.execute(
        f"""select {columns} from audit.current_submissions c
            join audit.file_loads f using (council_code, submission_id)
            where c.council_code = ? order by f.file_name, f.sheet_name""",
        [council_code],
    ).df()  # fmt: skip


@contextmanager
def _writer_threads(con: duckdb.DuckDBPyConnection, threads: int | None) -> Iterator[None]:
    """While the workers keep every core busy, the writer inserts on one DuckDB thread: a
    second one only competes with them (national: 10.4 -> 8.6 CPU s of writing)."""
    if threads is None:
        yield
        return
    before = con.execute("select current_setting('threads')").fetchone()[0]
    con.execute(f"set threads = {threads}")
    try:
        yield
    finally:
        con.execute(f"set threads = {before}")


def _refused_if_older(con: duckdb.DuckDBPyConnection, submission: Submission) -> Submission:
    """An export taken before the one in use would replace newer data with older, and set back
    the date every council's figures stand at (the earliest export date in use): refused."""
    in_use = load.current_reference_date(con, submission.council_code)
    if in_use is None or submission.reference_date >= in_use:
        return submission
    problem = (
        # the month only: a date far back may be a child's date of birth typed in its place
        f"Its export date, in {submission.reference_date:%B %Y}, is earlier than that of the "
        f"return already in use ({in_use:%d/%m/%Y}): an older export cannot replace newer data. If the "
        f"reference_date in {SUBMISSION_META} is mistyped, correct it and send the return again."
    )
    return replace(submission, problems=(*submission.problems, problem))


def _latest_possible_export_date() -> date:
    """Tomorrow (UTC): a council a few hours ahead of this machine may already date its export so."""
    return datetime.now(UTC).date() + timedelta(days=1)


def _refused_as_future(submission: Submission) -> Submission:
    """An export dated after today cannot be right, and once in use it would refuse every real
    return until that date (an older export never replaces a newer one): refused."""
    problem = (
        f"Its export date, {submission.reference_date:%d/%m/%Y}, is after today: an export cannot "
        f"be taken in the future. Correct the reference_date in {SUBMISSION_META} (the date the "
        "export was taken) and send the return again."
    )
    return replace(submission, problems=(*submission.problems, problem))


def plan_batches(due: Due, workers: int) -> list[Due]:
    """Consecutive batches of roughly equal work (AGENCY_WORK_PER_BYTE), about BATCH_BYTES each,
    and a whole number per worker once the work is big enough to share."""
    sizes = [_bytes([item]) for item in due]
    total = sum(sizes)
    count = max(1, math.ceil(total / BATCH_BYTES))
    if workers > 1 and total >= PARALLEL_BYTES:
        count = math.ceil(max(count, workers) / workers) * workers
    work = [
        size * (AGENCY_WORK_PER_BYTE if council.role == "agency" else 1)
        for (council, _), size in zip(due, sizes, strict=True)
    ]
    target = sum(work) / count
    batches: list[Due] = [[]]
    filled = 0.0
    for item, done in zip(due, work, strict=True):
        if batches[-1] and filled + done / 2 > target * len(batches) and len(batches) < count:
            batches.append([])
        batches[-1].append(item)
        filled += done
    return [b for b in batches if b]


def _prepared_batches(
    settings: Settings, registry: Registry, batches: list[Due], workers: int
) -> Iterator[PreparedBatch]:
    if workers <= 1:
        for batch in batches:
            yield prepare_batch(settings, registry, batch, render_reports=False)
        return
    # spawn, not fork: the parent holds a DuckDB connection and Dagster's threads.
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context)
    # The most bytes first: they make the longest write, which must not be the one left
    # running alone once the workers are done (the agency's batch nationally: 1.6 s, not 1.0).
    by_bytes = sorted(batches, key=_bytes, reverse=True)
    futures = {pool.submit(prepare_batch, settings, registry, batch): batch for batch in by_bytes}
    # Workers leave once the queue is empty; the writer does not wait for them to exit
    # (freeing a batch's memory takes a worker ~0.4 s).
    pool.shutdown(wait=False)
    try:
        for future in as_completed(futures):
            try:
                prepared = future.result()
            except Exception as exc:  # a worker died (memory, a signal): its batch fails
                failures = [
                    unexpected_failure(c, s, exc, "preparing it") for c, s in futures[future]
                ]
                prepared = PreparedBatch(failures, {})
            yield prepared
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def _query_changed_ids(
    con: duckdb.DuckDBPyConnection, loaded: list[PreparedSubmission], children
) -> None:
    """Add the continuity query (pipelines.ingest.continuity) to each loaded submission whose
    child ids mostly differ from those in use, and render its report again with it."""
    changed = continuity.changed_ids(con, children)
    for item in loaded:
        message = changed.get(item.council.code)
        if message is None:
            continue
        line = continuity.query_line(message, item.outcome.file_loads, item.profile)
        warnings = pd.concat(
            [
                item.outcome.warnings,
                pd.DataFrame([line]).reindex(columns=item.outcome.warnings.columns),
            ],
            ignore_index=True,
        )
        item.outcome.warnings = item.record.warnings = warnings
        item.report = render_report(item)


def _bytes(batch: Due) -> int:
    return sum(f.size for _, submission in batch for f in submission.files)


def _write(
    con: duckdb.DuckDBPyConnection, settings: Settings, prepared: PreparedBatch
) -> list[SubmissionOutcome]:
    loaded = [p for p in prepared.submissions if p.outcome.status == "loaded"]
    if loaded:
        _query_changed_ids(con, loaded, prepared.stored.get("children"))
    with ThreadPoolExecutor(max_workers=1) as renderer:
        # A batch prepared in this process comes without its reports: pandas renders them while
        # DuckDB, which lets go of the GIL, stores the rows (the public 104k set: ~0.8 s).
        rendering = renderer.submit(_render_missing, prepared.submissions)
        if loaded:
            try:  # a report that cannot be rendered fails its batch before anything is committed
                load.write_loaded(con, [p.record for p in loaded], prepared.stored,
                                  before_commit=rendering.result)  # fmt: skip
            except Exception as exc:  # rolled back: every council keeps what it had
                doing = ("writing its report" if rendering.exception() is exc
                         else "writing it to the warehouse")  # fmt: skip
                prepared.submissions = [
                    unexpected_failure(p.council, p.submission, exc, doing)
                    if p.outcome.status == "loaded" else p
                    for p in prepared.submissions
                ]  # fmt: skip
        if (error := rendering.exception()) is not None:
            prepared.submissions = [
                unexpected_failure(p.council, p.submission, error, "writing its report")
                if p.report is None else p
                for p in prepared.submissions
            ]  # fmt: skip
    for item in prepared.submissions:
        if item.outcome.status == "failed":
            load.write_failed(con, item.record)
            # Said as a warning by whoever reports the outcome (the load's progress line,
            # its Failure), in turn: here it came before the line naming the council.
            log.info("%s submission %s failed: %s", item.council.code,
                     item.submission.submission_id, item.outcome.message)  # fmt: skip
        write_feedback(con, settings.outbox_dir, item.council.code, item.submission.submission_id,
                       item.report)  # fmt: skip
    return [p.outcome for p in prepared.submissions]


def _render_missing(items: list[PreparedSubmission]) -> None:
    for item in items:
        if item.report is None:
            item.report = render_report(item)
