"""Prepare a batch of submissions for the warehouse: archive, read, map, validate, protect.

Nothing here touches the warehouse, so a batch can be prepared in a worker process while the
main process writes the previous one (pipelines.ingest.submission).

Each canonical table is mapped once per dialect and validated once for the whole batch, so the
fixed cost of a pandera call is paid once per table rather than once per council or dialect.
Every row carries `part`, the index of its submission in the batch; keys are unique, and
cross-table rules apply, within a part only. Everything a council is told (file counts,
rejections, warnings, its report) is split back out by part.
"""

from __future__ import annotations

import logging
import traceback
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from data_contracts.profiles import Profile, TableMapping, load_profile
from data_contracts.rules import explain
from data_contracts.tables import TABLES
from pipelines.ingest.cross_rules import WARNING_COLUMNS, cross_table_warnings
from pipelines.ingest.dialect import to_canonical
from pipelines.ingest.feedback import Report, render_feedback
from pipelines.ingest.landing import Submission, archive_submission
from pipelines.ingest.load import AuditRecord, as_stored
from pipelines.ingest.outcome import (
    FILE_LOAD_COLUMNS,
    SubmissionOutcome,
    audit_record,
    financial_year_start,
)
from pipelines.ingest.privacy import (
    age_at_decision,
    hash_scope,
    keyed_columns,
    protect,
    pseudonymise_all,
)
from pipelines.ingest.read import RawTable, read_submission_files
from pipelines.ingest.redact import code_like_or_shape, safe_text
from pipelines.ingest.usable import nothing_loaded, why_unusable
from pipelines.ingest.validate import (
    PART,
    REJECTION_COLUMNS,
    TableInput,
    ValidationResult,
    concat_rejections,
    ragged_rejections,
    validate_table,
)
from pipelines.registry import Council, Registry
from pipelines.settings import Settings

log = logging.getLogger(__name__)
SUBMISSION = "(the submission)"  # where a problem with the submission as a whole is listed


@dataclass
class Part:
    """One council's readable submission inside a batch."""

    index: int
    council: Council
    submission: Submission
    profile: Profile
    raws: list[RawTable]


@dataclass
class TableGroup:
    """One canonical table as every part on one dialect sent it, stacked (rows keep `part`)."""

    profile: Profile
    mapping: TableMapping
    raw_frame: pd.DataFrame  # values as sent, for the messages
    canonical: pd.DataFrame  # same index
    from_text: np.ndarray  # per row: read from a text file (CSV), not a workbook's sheet


@dataclass
class PreparedSubmission:
    council: Council
    submission: Submission
    profile: Profile
    outcome: SubmissionOutcome  # loaded or failed
    record: AuditRecord
    # The council's feedback files, written once the batch is stored; None until rendered
    # (render_report) when the batch was prepared without them.
    report: Report | None


@dataclass
class PreparedBatch:
    submissions: list[PreparedSubmission]
    stored: dict[str, pa.Table]  # every loaded submission's rows, typed as stored, by table


def prepare_batch(
    settings: Settings,
    registry: Registry,
    due: list[tuple[Council, Submission]],
    *,
    render_reports: bool = True,
) -> PreparedBatch:
    """Archive and read every submission in `due`; those that cannot be read fail on their own,
    the rest are validated and protected together. Whatever happens, every submission comes
    back with an outcome: an unexpected error fails its own submission, not the night.
    Without `render_reports`, the reports of the submissions validated here are left to the
    writer (render_report), which renders them while DuckDB stores the rows."""
    failed, parts = [], []
    for council, submission in due:
        try:
            # Archived where it is prepared: nationally that is 200 MB of copies, written while
            # the other worker computes rather than before anything starts.
            archive_submission(submission, settings.archive_dir, council.dialect)
            profile = load_profile(council.dialect)
            if submission.problems:
                failed.append(_failed(council, submission, profile, [],
                                      [(SUBMISSION, None, p) for p in submission.problems]))  # fmt: skip
                continue
            raws, problems = read_submission_files(submission, profile)
            problems += _unattributable(council, raws)
        except Exception as exc:
            failed.append(unexpected_failure(council, submission, exc, "reading it"))
            continue
        if problems:
            failed.append(_failed(council, submission, profile, raws, problems))
        else:
            parts.append(Part(len(parts), council, submission, profile, raws))
    if not parts:
        return PreparedBatch(failed, {})
    try:
        loaded, stored = _prepare_parts(settings, registry, parts, render_reports)
    except Exception as exc:
        if len(parts) == 1:
            part = parts[0]
            return PreparedBatch(
                [*failed, unexpected_failure(part.council, part.submission, exc, "checking it")],
                {},
            )
        # One at a time, so that whatever broke is one council's failure, not the batch's.
        loaded, stored = [], {}
        for part in parts:
            one = prepare_batch(settings, registry, [(part.council, part.submission)],
                                render_reports=render_reports)  # fmt: skip
            loaded += one.submissions
            for name, rows in one.stored.items():
                stored[name] = pa.concat_tables([stored[name], rows]) if name in stored else rows
    return PreparedBatch(failed + loaded, stored)


def unexpected_failure(
    council: Council, submission: Submission, exc: BaseException, doing: str
) -> PreparedSubmission:
    """A submission that met an error nobody foresaw: failed, with its reason, never retried into
    nothing. The log gets the error's type and where it happened, not its text, which may
    quote the data."""
    log.error(
        "%s submission %s: unexpected %s while %s\n%s", council.code, submission.submission_id,
        type(exc).__name__, doing, "".join(traceback.format_tb(exc.__traceback__)),
    )  # fmt: skip
    message = (
        f"The submission could not be processed: an unexpected error ({type(exc).__name__}) "
        f"happened while {doing}. The data team has been told; the previous submission stays "
        "in use. Sending the same files again will not help until it is fixed."
    )
    try:
        profile = load_profile(council.dialect)
    except Exception:
        profile = None
    return _failed(council, submission, profile, [], [(SUBMISSION, None, message)])


def render_report(item: PreparedSubmission) -> Report:
    return render_feedback(item.council, item.submission, item.outcome, item.profile,
                           item.record.collection_year)  # fmt: skip


def _prepare_parts(
    settings: Settings, registry: Registry, parts: list[Part], render_reports: bool
) -> tuple[list[PreparedSubmission], dict[str, pa.Table]]:
    groups = _table_groups(parts)
    years = _collection_years(parts, groups)
    references = {p.index: p.submission.reference_date.isoformat() for p in parts}
    inputs, of_table = [], {}
    for position, group in enumerate(groups):
        frame = group.canonical
        frame["reference_date"] = frame[PART].map(references)
        frame["collection_year"] = frame[PART].map(years)
        inputs.append(
            TableInput(group.mapping, group.raw_frame, frame, group.profile, group.from_text)
        )
        of_table.setdefault(group.mapping.table, []).append(position)
    del groups
    results = [None] * len(inputs)
    for positions in of_table.values():  # each table once, its results in the groups' order
        for position, result in zip(
            positions, validate_table([inputs[p] for p in positions]), strict=True
        ):
            _apply_council_rule(result, inputs[position].mapping, parts, registry)
            results[position] = result
    del inputs

    ragged = [ragged_rejections(raw, p.index) for p in parts for raw in p.raws if raw.ragged]
    rejections = concat_rejections([*ragged, *(r.rejections for r in results)])
    queries = concat_rejections([r.queries for r in results])[[*WARNING_COLUMNS, PART]]
    accepted = {
        table: pd.concat([r.accepted for r in results if r.table == table], ignore_index=True)
        for table in dict.fromkeys(r.table for r in results)
    }
    held_back = {
        table: pd.concat([r.held_back for r in results if r.table == table], ignore_index=True)
        for table in accepted
    }
    del results
    warnings = pd.concat([queries, cross_table_warnings(accepted, held_back)], ignore_index=True)
    del held_back
    file_loads = _file_loads(parts, rejections)
    unusable = _unusable_parts(parts, file_loads, rejections)
    if unusable:
        accepted = {name: rows[~rows[PART].isin(unusable)] for name, rows in accepted.items()}
    stored = _stored_frames(accepted, settings.pseudonym_key.get_secret_value(), parts)

    by_part = {
        name: dict(tuple(frame.groupby(PART))) for name, frame in
        (("file_loads", file_loads), ("rejections", rejections), ("warnings", warnings))
    }  # fmt: skip
    prepared = []
    for part in parts:
        mine = {name: _own(frames, part.index, name) for name, frames in by_part.items()}
        why = unusable.get(part.index)
        status = "failed" if why else "loaded"
        if why:
            mine["file_loads"] = nothing_loaded(mine["file_loads"])
        outcome = SubmissionOutcome(
            part.council.code, part.submission.submission_id, status, why or "",
            mine["file_loads"], mine["rejections"], mine["warnings"],
        )  # fmt: skip
        record = audit_record(part.submission, part.council, years[part.index], status, why,
                              mine["file_loads"], mine["rejections"], mine["warnings"])  # fmt: skip
        item = PreparedSubmission(part.council, part.submission, part.profile, outcome, record,
                                  None)  # fmt: skip
        if render_reports:
            item.report = render_report(item)
        prepared.append(item)
    return prepared, as_stored(stored)


def _unusable_parts(
    parts: list[Part], file_loads: pd.DataFrame, rejections: pd.DataFrame
) -> dict[int, str]:
    """The submissions of the batch that cannot be used as a whole (pipelines.ingest.usable),
    with the council's reason."""
    found = {}
    for part in parts:
        why = why_unusable(
            file_loads[file_loads[PART] == part.index],
            rejections[rejections[PART] == part.index],
            part.submission.reference_date,
            dict(part.submission.rows_in_use),
            part.profile.table_names,
            part.submission.fewer_rows_expected,
        )
        if why:
            found[part.index] = why
    return found


def _unattributable(council: Council, raws: list[RawTable]) -> list[tuple[str, str | None, str]]:
    """An agency's rows are filed under the council each names; a table whose rows name none
    (children, episodes, the 903's other tables) cannot be filed, and would otherwise land
    under the agency's own code as children of no council."""
    if council.is_partner:
        return []
    return [
        (raw.file_name, raw.sheet,
         f"{raw.location} holds the {raw.mapping.shown_name} table, whose rows do not say which council "
         f"they belong to. {council.code} is the partnership's agency: its submission may only "
         "hold tables whose rows name their council (adopters, support, finance). Children's "
         "records come in each council's own submission: move the file there.")
        for raw in raws if "council_code" not in TABLES[raw.mapping.table].column_names
    ]  # fmt: skip


def _failed(council, submission, profile, raws, problems) -> PreparedSubmission:
    """Nothing of a submission with an unreadable file is used; every file says why."""
    hashes = submission.sha256_by_file
    failed_files = {name for name, _, _ in problems}
    read_files = {raw.file_name for raw in raws}
    # a file that was read before the problem was found (a table the agency may not send, a
    # table sent twice) says how many rows it held; one that could not be read, none
    received = {(raw.file_name, raw.sheet): raw.rows_received for raw in raws}
    rows = _ignored_files(submission) + [
        {"file_name": name, "sheet_name": sheet, "canonical_table": None,
         "sha256": hashes.get(name, ""), "rows_received": received.get((name, sheet), 0),
         "rows_accepted": 0, "rows_rejected": received.get((name, sheet), 0), "status": "failed",
         "message": message}
        for name, sheet, message in problems
    ] + [
        {"file_name": raw.file_name, "sheet_name": raw.sheet, "canonical_table": raw.mapping.table,
         "sha256": hashes[raw.file_name], "rows_received": raw.rows_received, "rows_accepted": 0,
         "rows_rejected": raw.rows_received, "status": "not_loaded",
         "message": "held back: another file in this submission could not be read"}
        for raw in raws if raw.file_name not in failed_files
    ] + [
        {"file_name": f.name, "sheet_name": None, "canonical_table": None, "sha256": f.sha256,
         "rows_received": 0, "rows_accepted": 0, "rows_rejected": 0, "status": "not_loaded",
         "message": "held back: the submission could not be used"}
        for f in submission.files
        if f.name not in failed_files | read_files
    ]  # fmt: skip
    file_loads = pd.DataFrame(rows, columns=FILE_LOAD_COLUMNS)
    message = "; ".join(m for _, _, m in problems)
    year = financial_year_start(submission.reference_date)
    rejections = pd.DataFrame(columns=REJECTION_COLUMNS)
    warnings = pd.DataFrame(columns=WARNING_COLUMNS)
    outcome = SubmissionOutcome(
        council.code, submission.submission_id, "failed", message, file_loads
    )
    record = audit_record(
        submission, council, year, "failed", message, file_loads, rejections, warnings
    )
    report = render_feedback(council, submission, outcome, profile)
    return PreparedSubmission(council, submission, profile, outcome, record, report)


_EMPTY = {
    "file_loads": FILE_LOAD_COLUMNS,
    "rejections": REJECTION_COLUMNS,
    "warnings": WARNING_COLUMNS,
}


def _ignored_files(submission: Submission, part: int | None = None) -> list[dict]:
    """Files left aside on purpose (an operating system's own files), told to the council."""
    return [
        {"file_name": name, "sheet_name": None, "canonical_table": None, "sha256": "",
         "rows_received": 0, "rows_accepted": 0, "rows_rejected": 0, "status": "ignored",
         "message": why, **({PART: part} if part is not None else {})}
        for name, why in submission.ignored
    ]  # fmt: skip


def _own(frames: dict, index: int, name: str) -> pd.DataFrame:
    frame = frames.get(index)
    if frame is None:
        return pd.DataFrame(columns=_EMPTY[name])
    return frame.drop(columns=PART).reset_index(drop=True)


def _table_groups(parts: list[Part]) -> list[TableGroup]:
    members: dict[tuple[str, str], list[tuple[Part, RawTable]]] = {}
    for part in parts:
        for raw in part.raws:
            raw.frame[PART] = part.index
            members.setdefault((part.council.dialect, raw.mapping.table), []).append((part, raw))
    groups = []
    for found in members.values():
        profile, mapping = found[0][0].profile, found[0][1].mapping
        raw_frame = pd.concat([raw.frame for _, raw in found], ignore_index=True)
        # A CSV's table has no sheet (read.RawTable.sheet); rows stacked in `found`'s order.
        from_text = np.concatenate([np.full(len(raw.frame), raw.sheet is None) for _, raw in found])
        comma = np.concatenate([np.full(len(raw.frame), raw.decimal_comma) for _, raw in found])
        canonical = to_canonical(mapping, raw_frame, profile, decimal_comma=comma)
        groups.append(TableGroup(profile, mapping, raw_frame, canonical, from_text))
    return groups


def _collection_years(parts: list[Part], groups: list[TableGroup]) -> dict[int, int]:
    """The 903 collection year each submission belongs to: stated in submission.yaml, else the
    financial year of the latest episode date in it, else of the export date."""
    latest: dict[int, pd.Timestamp] = {}
    references = {p.index: pd.Timestamp(p.submission.reference_date) for p in parts}
    for group in (g for g in groups if g.mapping.table == "episodes"):
        frame = group.canonical
        reference = frame[PART].map(references)
        for column in ("decom", "dec"):
            dates = pd.to_datetime(frame[column], format="%Y-%m-%d", errors="coerce")
            usable = dates.notna() & (dates <= reference)
            for index, day in dates[usable].groupby(frame.loc[usable, PART]).max().items():
                latest[index] = max(day, latest.get(index, day))
    years = {}
    for part in parts:
        stated = part.submission.meta.get("collection_year")
        day = latest[part.index].date() if part.index in latest else None
        years[part.index] = (
            int(stated) if stated else financial_year_start(day or part.submission.reference_date)
        )
    return years


def _apply_council_rule(
    result: ValidationResult, mapping: TableMapping, parts: list[Part], registry: Registry
) -> None:
    """Rows name their council only in agency feeds; a partner may only send its own rows."""
    frame = result.accepted
    table = TABLES[result.table]
    submitter = frame[PART].map({p.index: p.council.code for p in parts})
    if "council_code" not in table.column_names:
        result.accepted = frame.assign(council_code=submitter.to_numpy())
        return
    given = frame["council_code"]
    partner = frame[PART].map({p.index: p.council.is_partner for p in parts}).astype(bool)
    central_allowed = table.name == "finance_ledger"
    partners = {c.code for c in registry.partners}
    wrong_partner = partner & given.notna() & (given != submitter)
    unknown = ~partner & ~given.isin(partners) & ~(given.isna() & central_allowed)
    bad = (wrong_partner | unknown).to_numpy(dtype=bool)
    if bad.any():
        rows = frame[bad]
        source = mapping.source_column("council_code") or "council_code"
        rules = np.where(partner[bad], "council_mismatch", "council_not_registered")
        shown = code_like_or_shape(rows["council_code"])  # it may be anything typed there
        messages = [
            explain(rule).explanation.format(column=source, value=v if isinstance(v, str) else "")
            for rule, v in zip(rules, shown, strict=True)
        ]
        extra = pd.DataFrame({
            "file_name": rows["file_name"], "canonical_table": table.name,
            "source_row": rows["source_row"], "source_column": source, "rule": rules,
            "dfe_rule": None, "message": messages, "offending_value": shown.to_numpy(),
            PART: rows[PART],
        })  # fmt: skip
        result.rejections = concat_rejections([result.rejections, extra])
    filled = given.where(given.notna() | ~partner, submitter)
    result.accepted = frame[~bad].assign(council_code=filled[~bad])


def _file_loads(parts: list[Part], rejections: pd.DataFrame) -> pd.DataFrame:
    """One line per file (or sheet) read: rows received, accepted and rejected."""
    where = [PART, "file_name", "canonical_table"]
    rejected = (
        rejections.dropna(subset=["source_row"])
        .drop_duplicates([*where, "source_row"])
        .groupby(where)
        .size()
    )
    rows = []
    for part in parts:
        hashes = part.submission.sha256_by_file
        rows += _ignored_files(part.submission, part.index)
        for raw in part.raws:
            held_back = int(rejected.get((part.index, raw.file_name, raw.mapping.table), 0))
            rows.append({
                "file_name": raw.file_name, "sheet_name": raw.sheet,
                "canonical_table": raw.mapping.table, "sha256": hashes[raw.file_name],
                "rows_received": raw.rows_received,
                "rows_accepted": raw.rows_received - held_back, "rows_rejected": held_back,
                "status": "loaded",
                "message": "; ".join(raw.notes + (
                    ["ignored column(s) not in the layout: "
                     f"{', '.join(map(safe_text, raw.ignored_columns))}"]
                    if raw.ignored_columns else [])) or None,
                PART: part.index,
            })  # fmt: skip
    return pd.DataFrame(rows, columns=[*FILE_LOAD_COLUMNS, PART])


def _stored_frames(
    accepted: dict[str, pd.DataFrame], key: str, parts: list[Part]
) -> dict[str, pd.DataFrame]:
    submitters = {p.index: p.council.code for p in parts}
    submission_ids = {p.index: p.submission.submission_id for p in parts}
    # Every keyed column of the batch at once: a child (or a household) is in several tables.
    columns = [(name, c, child) for name in accepted for c, child in keyed_columns(TABLES[name])]
    hashed = pseudonymise_all(
        [(hash_scope(accepted[n], child), accepted[n][c]) for n, c, child in columns], key
    )
    pseudonyms: dict[str, dict] = {}
    for (name, column, _), values in zip(columns, hashed, strict=True):
        pseudonyms.setdefault(name, {})[column] = values
    stored = {}
    for name, frame in accepted.items():
        out = protect(TABLES[name], frame, key, pseudonyms.get(name))
        if name == "adoption_decisions":
            out["age_at_decision_years"] = age_at_decision(frame, accepted.get("children"))
        out["submitted_by"] = frame[PART].map(submitters)
        out["submission_id"] = frame[PART].map(submission_ids)
        out["source_row"] = frame["source_row"]
        stored[name] = out
    return stored
