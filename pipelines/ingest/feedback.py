"""The validation report each council's data officer receives for every submission.

Written to `<outbox>/<council>/<submission>/`: `validation_report.html` (what happened, counts
by rule in plain English, each rejected row located by file and row), `rejected_rows.csv` and
`warnings.csv` (every rejected or queried row, to work through in a spreadsheet).
"""

from __future__ import annotations

import datetime as dt
import html
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from data_contracts.checks import arrow_text
from data_contracts.rules import QUERY, explain
from pipelines.ingest.landing import export_date_plausible
from pipelines.ingest.load import rows_named

if TYPE_CHECKING:
    from data_contracts.profiles import Profile
    from pipelines.ingest.landing import Submission
    from pipelines.ingest.outcome import SubmissionOutcome
    from pipelines.registry import Council

ROWS_SHOWN = 500
UTF8_BOM = "\ufeff".encode()

# A report's files by name: the HTML as text, each CSV as the Arrow table write_feedback writes.
Report = dict[str, str | pa.Table]

# The severity policy (data_contracts/rules.py), told to the council.
POLICY = (
    "<p>A row is <strong>held back</strong> only when it cannot be used: its identifier, or a "
    "date or code that a figure needs, is missing, unreadable or impossible. A row that can be "
    "used but looks inconsistent (for example a DfE validation rule such as 390 or 408) is "
    "<strong>queried</strong>: it is kept and counted, and listed under Rows to check. Codes "
    "that changed between collection years are read as the DfE reads them (SEX 1/2 as M/F, "
    "legal status D1 as a placement order) and queried, as are codes sent in small letters "
    "(read in capitals). Please correct both in your case "
    "system; the next submission replaces this one.</p>"
)


def render_feedback(
    council: Council,
    submission: Submission,
    outcome: SubmissionOutcome,
    profile: Profile,
    collection_year: int | None = None,
) -> Report:
    """The report's files by name (rendered where the batch is prepared, written later).
    `collection_year` is the one the rows were checked in, when they were read."""
    # as a council works through them: file by file, row by row (a row's lines kept together)
    rejections = outcome.rejections.sort_values(["file_name", "source_row"], kind="stable")
    warnings = outcome.warnings.sort_values(["file_name", "source_row"], kind="stable")
    return {
        "rejected_rows.csv": csv_table(values_kept_as_sent(spreadsheet_safe(rejections))),
        "warnings.csv": csv_table(values_kept_as_sent(spreadsheet_safe(warnings))),
        "validation_report.html": _html(
            council, submission, outcome, rejections, warnings, profile, collection_year
        ),
    }


# What a spreadsheet runs as a formula: a cell starting with = + - @, a tab or a carriage return.
FORMULA_START = r"^[=+\-@\t\r]"


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with every text cell that a spreadsheet would run as a formula (a value as sent,
    such as `=HYPERLINK(...)`, starting with = + - @) prefixed with ' so that it shows as text:
    councils open these files in Excel. One Arrow regex per column: most reports have no such
    cell, and are returned as they are."""
    risky = {}
    for column in frame.columns:
        values = frame[column]
        if values.dtype == object or pd.api.types.is_string_dtype(values):
            found = pc.match_substring_regex(arrow_text(values), FORMULA_START)
            if pc.any(found).as_py():
                risky[column] = pc.fill_null(found, False).to_numpy(zero_copy_only=False)
    if not risky:
        return frame
    safe = frame.copy()
    for column, formula in risky.items():
        safe[column] = safe[column].where(~formula, "'" + safe[column].astype("string"))
    return safe


# A value a spreadsheet would turn into a number, date or TRUE/FALSE when it opens a CSV: one with a
# digit in it (0012 -> 12, 1E5 -> 100000, 07/05/2027 -> a date, read month first in a US locale,
# 1/2 -> 1 February) or a boolean's name. Excel keeps a formula's text only up to 255 characters.
CONVERTED = r"\d|^\s*(?i:true|false)\s*$"
LONGEST_FORMULA_TEXT = 250


def values_kept_as_sent(frame: pd.DataFrame) -> pd.DataFrame:
    """offending_value as a council's spreadsheet will show it: each value it would convert
    written as the formula ="value", which shows the text as sent (in a CSV a spreadsheet runs
    it; a value starting = + - @ has been given its ' by spreadsheet_safe and is left so). The
    audit tables keep the values as sent."""
    if "offending_value" not in frame.columns or frame.empty:
        return frame
    values = arrow_text(frame["offending_value"])
    wrap = pc.and_(
        pc.and_(
            pc.match_substring_regex(values, CONVERTED),
            pc.less_equal(pc.utf8_length(values), LONGEST_FORMULA_TEXT),
        ),
        pc.invert(pc.starts_with(values, "'")),
    )
    wrap = pc.fill_null(wrap, False)
    if not pc.any(wrap).as_py():
        return frame
    quoted = pc.binary_join_element_wise('="', pc.replace_substring(values, '"', '""'), '"', "")
    kept = frame.copy()
    # by position: the frame comes sorted by file and row, so its index is not 0..n-1
    kept["offending_value"] = pc.if_else(wrap, quoted, values).to_numpy(zero_copy_only=False)
    return kept


def csv_table(frame: pd.DataFrame) -> pa.Table:
    """A report's lines as the CSV will hold them: text as text, row numbers as whole numbers
    (a query on the whole submission has none, which would make pandas write 17.0)."""
    columns = {}
    for column in frame.columns:
        values = frame[column]
        if column == "source_row":
            columns[column] = pa.array(values.astype("Int64"), type=pa.int64())
        elif pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            columns[column] = pa.array(values, from_pandas=True)
        else:
            columns[column] = arrow_text(values)
    return pa.table(columns)


def write_csv(con: duckdb.DuckDBPyConnection, table: pa.Table, path: Path) -> None:
    """DuckDB's CSV writer, on the writer's connection (a new one costs ~10 ms, 302 times a
    national night): a quarter of pandas' to_csv time (the public 104k set's 245k lines, 45 MB:
    0.17 s against 0.63 s), quoting only what needs it. Unlike pandas it also quotes a value
    holding a carriage return (which would otherwise end the line in Excel), and writes a blank
    value sent as "" and a missing one as nothing. The file starts with UTF-8's byte-order mark,
    as Excel's own "CSV UTF-8" does: without it Excel reads a council's CAFÉ as CAFÃ‰. DuckDB
    writes none, so its file is copied in behind one (~0.05 s for 45 MB)."""
    staged = path.with_name(path.name + ".tmp")
    con.from_arrow(table).write_csv(str(staged), header=True)
    with path.open("wb") as out, staged.open("rb") as body:
        out.write(UTF8_BOM)
        shutil.copyfileobj(body, out, 1 << 20)
    staged.unlink()


def write_feedback(
    con: duckdb.DuckDBPyConnection, outbox: Path, council_code: str, submission_id: str,
    files: Report,
) -> Path:  # fmt: skip
    folder = outbox / council_code / submission_id
    folder.mkdir(parents=True, exist_ok=True)
    _keep_earlier_report(folder, files)
    for name, content in files.items():
        if isinstance(content, pa.Table):
            write_csv(con, content, folder / name)
        else:
            (folder / name).write_text(content, encoding="utf-8")
    return folder / "validation_report.html"


def _keep_earlier_report(folder: Path, files: Report) -> None:
    """A folder sent again with other files gets a new report; the one the council had for the
    earlier files moves to `replaced/<when it was written>/` rather than being overwritten."""
    report = folder / "validation_report.html"
    if not report.exists() or report.read_text(encoding="utf-8") == files.get(report.name):
        return
    written = dt.datetime.fromtimestamp(report.stat().st_mtime, dt.UTC)
    earlier = folder / "replaced" / f"{written:%Y-%m-%dT%H%M%S}Z"
    earlier.mkdir(parents=True, exist_ok=True)
    for old in folder.iterdir():
        if old.is_file():
            old.replace(earlier / old.name)


# The report's column headings in a council data officer's words (the CSV keeps the names).
HEADINGS = {
    "file_name": "file", "sheet_name": "sheet", "canonical_table": "table",
    "sha256": "file fingerprint (SHA-256)", "rows_received": "rows received",
    "rows_accepted": "rows accepted", "rows_queried": "of which queried",
    "rows_rejected": "rows held back", "source_row": "row",
    "rule": "check", "dfe_rule": "DfE rule number",
}  # fmt: skip


# A query's column and value beside its row: a cross-table query, on no one column, has neither.
QUERY_HEADINGS = {**HEADINGS, "source_column": "column", "offending_value": "value sent"}


def _table(frame: pd.DataFrame) -> str:
    if frame.empty:
        return "<p>None.</p>"
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    body = "".join(
        "<tr>"
        + "".join(f"<td>{html.escape('' if pd.isna(v) else str(v))}</td>" for v in row)
        + "</tr>"
        for row in frame.itertuples(index=False)
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _located(rejections: pd.DataFrame, file_loads: pd.DataFrame) -> pd.DataFrame:
    """Rows as the council finds them: file, sheet (for workbooks) and spreadsheet row."""
    if rejections.empty:
        return rejections
    # a dict, not a MultiIndex: its set-up was most of a small report's cost (151 reports a night)
    loads = file_loads.dropna(subset=["sheet_name"])
    sheets: dict = {}
    for file, table, sheet_name in zip(loads["file_name"], loads["canonical_table"],
                                       loads["sheet_name"], strict=True):  # fmt: skip
        sheets.setdefault((file, table), sheet_name)  # one sheet per file and table when loaded
    pairs = zip(rejections["file_name"], rejections["canonical_table"], strict=True)
    sheet = [sheets.get(pair) for pair in pairs]
    located = rejections.assign(sheet=sheet).sort_values(["file_name", "sheet", "source_row"])
    columns = ["file_name", "sheet", "source_row", "source_column", "message", "offending_value",
               "rule", "dfe_rule"]  # fmt: skip
    return located[columns].rename(columns={"file_name": "file", "source_row": "row",
                                            "source_column": "column", "offending_value": "value sent"})  # fmt: skip


HOLDS_BACK = "yes"
ONLY_QUERIED = "no: only queried (these rows are held back by another check)"


def _by_rule(rows: pd.DataFrame, held_back: bool = False) -> pd.DataFrame:
    """Rows per rule, largest first (a row once per rule, however many of its values broke it),
    with one message as an example: every rule shows, however many rows the lists leave out.
    Rows held back also carry their queries: `held_back` says which rules held them back, those
    first."""
    if rows.empty:
        return pd.DataFrame()
    rules = rows.drop_duplicates(["rule", "file_name", "source_row"]).groupby(
        ["rule", "dfe_rule"], dropna=False
    )
    # count() of rows, not size() of lines: a query on no one row (child ids changed) is on the
    # whole submission. Not .agg(rows=..., example=...): three times slower, in 151 reports a
    # national night.
    counts = pd.DataFrame(
        {"rows": rules["source_row"].count(), "example": rules["message"].first()}
    )
    counts = counts.reset_index()
    order = ["rows"]
    if held_back:
        queried = counts["rule"].map(lambda r: explain(r).severity == QUERY)
        counts.insert(
            2, "held back by this check", queried.map({False: HOLDS_BACK, True: ONLY_QUERIED})
        )
        counts["queried"], order = queried, ["queried", "rows"]
    counts = counts.sort_values(order, ascending=[True] * (len(order) - 1) + [False], kind="stable")
    counts["rows"] = counts["rows"].astype(object).where(counts["rows"] > 0, WHOLE_SUBMISSION)
    return counts.drop(columns=["queried"], errors="ignore").rename(columns=HEADINGS)


WHOLE_SUBMISSION = "whole submission"


def _without_blank_sheet(frame: pd.DataFrame) -> pd.DataFrame:
    """A CSV has no sheet: the column shows only for a submission holding a workbook."""
    if "sheet" in frame.columns and frame["sheet"].isna().all():
        return frame.drop(columns=["sheet"])
    return frame


def _lines_in(name: str, lines: pd.DataFrame, kind: str) -> str:
    """Where the whole list is, when the report shows only its start."""
    if len(lines) <= ROWS_SHOWN:
        return ""
    return (
        f"<p>The first {ROWS_SHOWN} lines are shown; all {len(lines):,} lines, for "
        f"{rows_named(lines):,} {kind} rows (a line per row and check: a row can break several), "
        f"are in {name}.</p>"
    )


def export_date_shown(submission: Submission) -> str:
    given = submission.reference_date
    if export_date_plausible(given, submission.received_at):
        return f"{given:%d/%m/%Y}"
    return f"in {given:%B %Y} (long before the files arrived: is submission.yaml mistyped?)"


def _dates_used(submission: Submission, collection_year: int | None) -> str:
    """The export date and collection year the rows were checked against, and where each came
    from: a date after the export date is held back, and the year decides which codes are valid."""
    given = submission.meta.get("reference_date") is not None
    text = f"Export date: {export_date_shown(submission)}" + (
        "" if given else " (the day the files were received: submission.yaml gives no "
        "reference_date)"
    ) + "; a date after it is held back."  # fmt: skip
    if collection_year is not None:
        stated = submission.meta.get("collection_year") is not None
        text += (
            f" Collection year: {collection_year}-{(collection_year + 1) % 100:02d}"
            + ("" if stated else " (worked out from the latest episode date sent: "
               "submission.yaml gives no collection_year)")
            + "; it decides which codes are valid (SEX 1/2 up to 2023-24, M/F/U from 2024-25)."
        )  # fmt: skip
    return f"<p>{html.escape(text)}</p>"


def _with_queried(file_loads: pd.DataFrame, warnings: pd.DataFrame) -> pd.DataFrame:
    """Each file's (or sheet's) rows queried beside its rows accepted: kept and counted, so among
    the accepted, but to check (a row queried by several checks counts once, as rows_named
    counts them; a query on a row held back by another check is listed with the rejections)."""
    if file_loads.empty or "rows_accepted" not in file_loads.columns:
        return file_loads
    key = ["file_name", "canonical_table"]
    named = warnings.loc[warnings["source_row"].notna(), [*key, "source_row"]].drop_duplicates()
    queried = named.groupby(key).size().rename("rows_queried").reset_index()
    loads = file_loads.merge(queried, on=key, how="left")
    loads["rows_queried"] = loads["rows_queried"].fillna(0).astype(int)
    order = list(file_loads.columns)
    order.insert(order.index("rows_accepted") + 1, "rows_queried")
    return loads[order]


def _tables_named(frame: pd.DataFrame, profile: Profile | None) -> pd.DataFrame:
    """The frame with each canonical table named as the council's layout names it (903: AD1,
    Header); the CSVs keep the canonical names, which scripts read."""
    if frame.empty or "canonical_table" not in frame.columns:
        return frame
    tables = frame["canonical_table"]
    shown = tables.map(profile.table_names if profile else {}).fillna(
        tables.str.replace("_", " ", regex=False)
    )
    return frame.assign(canonical_table=shown)


def _about_the_whole(warnings: pd.DataFrame) -> str:
    """Queries on no one row (child ids that changed since the submission in use), first: the
    lists below are of rows, and the report may show only their start."""
    whole = warnings.loc[warnings["source_row"].isna(), "message"] if len(warnings) else []
    return "".join(
        f"<p class='bad'><strong>Please check:</strong> {html.escape(m)}</p>" for m in whole
    )


def _html(council, submission, outcome, rejections, warnings, profile, collection_year) -> str:
    title = f"Validation report: {council.name}, submission {submission.submission_id}"
    if outcome.status == "failed":
        verdict = (
            "<p class='bad'><strong>This submission could not be loaded.</strong> Nothing from it "
            "was used; the warehouse keeps your previous submission and marks it out of date "
            f"until a corrected one arrives.</p><p>{html.escape(outcome.message)}</p>"
        )
    else:
        verdict = (
            f"<p>Loaded. {outcome.rows_received - outcome.rows_rejected:,} of "
            f"{outcome.rows_received:,} rows were accepted; {outcome.rows_rejected:,} rows were "
            f"held back and are listed below with the reason. {rows_named(warnings):,} of the "
            "accepted rows are queried (kept and counted, but please check them).</p>"
            + _about_the_whole(warnings)
            + POLICY
        )
    files = _without_blank_sheet(
        _tables_named(_with_queried(outcome.file_loads, warnings), profile).rename(columns=HEADINGS)
    )
    shown = _located(rejections, outcome.file_loads).head(ROWS_SHOWN)
    shown = _without_blank_sheet(_tables_named(shown, profile).rename(columns=HEADINGS))
    listed = _tables_named(warnings.head(ROWS_SHOWN), profile).rename(columns=QUERY_HEADINGS)
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:sans-serif;margin:2em;max-width:75em}}table{{border-collapse:collapse;margin:1em 0}}
td,th{{border:1px solid #bbb;padding:.3em .6em;text-align:left;vertical-align:top}}th{{background:#eee}}
.bad{{color:#a00}}</style></head><body>
<h1>{html.escape(title)}</h1>
<p>Layout: {html.escape(profile.label if profile else council.dialect)}. Dates are expected as {html.escape(profile.date_display if profile else "the layout says")}.
Received {submission.received_at:%d %B %Y %H:%M}.</p>
{_dates_used(submission, collection_year)}
{"".join(f"<p>{html.escape(note)}</p>" for note in submission.notes)}
{verdict}
<h2>Files</h2>{_table(files)}
<h2>Problems by rule</h2>
<p>Each check is named as in the rule column of rejected_rows.csv and warnings.csv, with the DfE
validation rule's number where the DfE has the same check; rows counts each row once per check.
In those files a value sent that a spreadsheet would change as it opens them (a date, a code with
leading zeros such as 0012, 1E5) is written as a formula, ="0012", so that it shows as sent.</p>
{_table(_by_rule(rejections, held_back=True))}
<h2>Rows held back</h2>
<p>Row numbers are as a spreadsheet shows them (the header is row 1).</p>
{_lines_in("rejected_rows.csv", rejections, "held-back")}
{_table(shown)}
<h2>Rows to check (kept)</h2>{_table(_by_rule(warnings))}
{_lines_in("warnings.csv", warnings, "queried")}
{_table(listed) if len(warnings) else ""}
</body></html>"""
