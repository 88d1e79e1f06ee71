"""Read a submission's files into raw text frames, one per recognised canonical table.

Every value stays text exactly as sent. Each frame keeps `source_row` (the row number a council
sees in a spreadsheet: the header is row 1) and `file_name`. pyarrow's CSV reader is used
because it is fast and reports malformed rows with their row numbers. Workbooks are read with
fastexcel (calamine in Rust, straight to Arrow) when every cell of a sheet is text, as exports
write them; a sheet holding any typed cell (number, date, boolean) or a workbook fastexcel cannot
open goes through python-calamine and `_cell_text`, cell by cell, so typed cells keep exactly the
text they have always had.
"""

from __future__ import annotations

import csv
import functools
import gzip
import io
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

import fastexcel
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from python_calamine import CalamineError, CalamineWorkbook

from data_contracts.profiles import Profile, TableMapping
from pipelines.ingest.landing import Submission, SubmissionFile

BOM = b"\xef\xbb\xbf"
# fastexcel warns for every column it finds no value in (blank padding columns): expected here.
logging.getLogger("fastexcel.types.dtype").setLevel(logging.ERROR)
IDENTIFIER_HEADER = re.compile(
    r"(?i)(^|[^a-z])(name|forename|surname|address|street|addr|postcode|post ?code|phone|"
    r"telephone|mobile|email|e-mail|nhs|ni ?number)([^a-z]|$)"
)


class FileProblem(Exception):
    """A file that cannot be read at all. The message is written for the council."""


@dataclass
class RaggedRow:
    source_row: int
    values: int


@dataclass
class RawTable:
    file_name: str
    sheet: str | None
    mapping: TableMapping
    frame: pd.DataFrame  # text columns as sent + source_row + file_name
    ragged: list[RaggedRow] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def rows_received(self) -> int:
        return len(self.frame) + len(self.ragged)

    @property
    def location(self) -> str:
        return f"{self.file_name} (sheet '{self.sheet}')" if self.sheet else self.file_name


def read_submission_files(
    submission: Submission, profile: Profile
) -> tuple[list[RawTable], list[tuple[str, str | None, str]]]:
    """Every table in the submission's files, and the problems (file, sheet, message) that stop
    it from being loaded: unreadable files, no files, a table sent twice."""
    raws, problems = [], []
    for file in submission.files:
        try:
            raws += read_file(file, profile)
        except FileProblem as problem:
            problems.append((file.name, None, str(problem)))
    if not submission.files:
        problems.append(("(none)", None, "The submission folder holds no files."))
    return raws, problems + _duplicate_tables(raws)


def _duplicate_tables(raws: list[RawTable]) -> list[tuple[str, str | None, str]]:
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


def read_file(file: SubmissionFile, profile: Profile) -> list[RawTable]:
    data = file.path.read_bytes()
    if not data.strip():
        raise FileProblem(f"{file.name} is empty.")
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise FileProblem(f"{file.name} is a damaged gzip file ({exc}).") from exc
    if data[:4] == b"PK\x03\x04":
        return _read_workbook(file.name, data, profile)
    if _looks_binary(data):
        raise FileProblem(
            f"{file.name} is not a CSV or XLSX file (it looks like a binary file). "
            f"Please send {profile.label} files."
        )
    return [_read_csv(file.name, data, profile)]


def _looks_binary(data: bytes) -> bool:
    return b"\x00" in data[:4096]


def _read_csv(name: str, data: bytes, profile: Profile) -> RawTable:
    data = data.removeprefix(BOM)
    try:
        data.decode(profile.encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise FileProblem(
            f"{name} is not {profile.encoding.upper()} text: byte 0x{data[exc.start]:02x} on line "
            f"{line} cannot be read. Please save the file as CSV UTF-8."
        ) from exc
    header_line = data.split(b"\n", 1)[0].decode(profile.encoding).strip("\r")
    if profile.delimiter not in header_line and ";" in header_line:
        raise FileProblem(
            f"{name} separates values with ';' but the {profile.label} layout uses "
            f"'{profile.delimiter}'. Please export it as comma-separated CSV."
        )
    headers = [h.strip() for h in next(iter(_csv_rows(header_line, profile.delimiter)))]
    mapping = recognise(name, headers, profile)
    ragged: list[RaggedRow] = []

    def on_invalid(row: pacsv.InvalidRow) -> str:
        ragged.append(RaggedRow(source_row=row.number or -1, values=row.actual_columns))
        return "skip"

    try:
        table = pacsv.read_csv(
            io.BytesIO(data),
            read_options=pacsv.ReadOptions(column_names=headers, skip_rows=1, use_threads=False),
            parse_options=pacsv.ParseOptions(
                delimiter=profile.delimiter, newlines_in_values=True, invalid_row_handler=on_invalid
            ),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(headers, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid as exc:
        raise FileProblem(f"{name} could not be read as CSV: {exc}") from exc
    frame = table.to_pandas()
    frame.columns = [h.strip() for h in frame.columns]
    # Row numbers as a spreadsheet shows them (header = row 1), skipping the ragged ones.
    bad = sorted(r.source_row for r in ragged)
    frame["source_row"] = _row_numbers(len(frame), bad)
    return _finish(name, None, mapping, frame, ragged)


def _csv_rows(text: str, delimiter: str):
    return csv.reader([text], delimiter=delimiter)


def _row_numbers(n_good: int, bad_rows: list[int]) -> list[int]:
    """Rows 2, 3, ... less the bad ones, the first `n_good` of them."""
    rows = np.arange(2, 2 + n_good + len(bad_rows), dtype=np.int64)
    return rows[~np.isin(rows, bad_rows)][:n_good].tolist()


def _read_workbook(name: str, data: bytes, profile: Profile) -> list[RawTable]:
    try:
        workbook = fastexcel.read_excel(data)
        sheet_names = workbook.sheet_names
    except Exception:  # whatever fastexcel trips on, the cell-by-cell reader decides
        by_cell = _calamine_workbook(name, data)
        return _sheet_tables(name, profile, by_cell.sheet_names,
                             lambda sheet: _sheet_by_cell(by_cell, sheet))  # fmt: skip
    by_cell: CalamineWorkbook | None = None

    def read_sheet(sheet_name: str) -> tuple[list[str], pd.DataFrame] | None:
        nonlocal by_cell
        text = _text_sheet(workbook, sheet_name)
        if text is None:  # typed cells: read this sheet cell by cell
            by_cell = by_cell or _calamine_workbook(name, data)
            text = _sheet_by_cell(by_cell, sheet_name)
        return text

    return _sheet_tables(name, profile, sheet_names, read_sheet)


def _sheet_tables(
    name: str,
    profile: Profile,
    sheet_names: list[str],
    read_sheet: Callable[[str], tuple[list[str], pd.DataFrame] | None],
) -> list[RawTable]:
    tables = []
    for sheet_name in sheet_names:
        text = read_sheet(sheet_name)
        if text is None:
            continue
        headers, frame = text
        mapping = recognise(f"{name} (sheet '{sheet_name}')", headers, profile)
        tables.append(_finish(name, sheet_name, mapping, frame, []))
    if not tables:
        raise FileProblem(f"{name} has no sheet with data.")
    return tables


def _text_sheet(
    workbook: fastexcel.ExcelReader, sheet_name: str
) -> tuple[list[str], pd.DataFrame] | None:
    """A sheet whose cells are all text (or blank) as (headers, body frame), straight from Arrow;
    None when some cell is typed. Row i of the batch is spreadsheet row i + 1 (skip_rows=0 keeps
    blank leading rows); leading blank columns, which calamine's range leaves out, come back as
    blank columns so the frame is the sheet from cell A1, as `_sheet_by_cell` reads it."""
    try:
        sheet = workbook.load_sheet(
            sheet_name, header_row=None, skip_rows=0, schema_sample_rows=None,
            dtype_coercion="strict",
        )  # fmt: skip
        columns = sheet.selected_columns
        if any(c.dtype not in ("string", "null") for c in columns):
            return None
        batch = sheet.to_arrow()
    except fastexcel.FastExcelError:
        return None
    if batch.num_rows == 0:
        return None
    blank = pa.nulls(batch.num_rows, pa.string())
    cells = [blank] * (max((c.absolute_index for c in columns), default=-1) + 1)
    for column, values in zip(columns, batch.columns, strict=True):
        cells[column.absolute_index] = values.cast(pa.string())
    cells = [pc.fill_null(values, "") for values in cells]
    header = [values[0].as_py() for values in cells]
    if all(v == "" for v in header):
        return None
    body = [values.slice(1) for values in cells]
    keep = functools.reduce(pc.or_, [pc.not_equal(values, "") for values in body])
    numbers = pc.filter(pa.array(range(2, batch.num_rows + 1), pa.int64()), keep)
    frame = pd.DataFrame(
        {i: pc.filter(values, keep).to_pandas() for i, values in enumerate(body)}, dtype="str"
    )
    frame.columns = headers = [h.strip() for h in header]
    frame["source_row"] = numbers.to_pandas()
    return headers, frame


def _calamine_workbook(name: str, data: bytes) -> CalamineWorkbook:
    try:
        return CalamineWorkbook.from_filelike(io.BytesIO(data))
    except (CalamineError, ValueError, OSError) as exc:
        raise FileProblem(f"{name} is not a readable XLSX workbook ({exc}).") from exc


def _sheet_by_cell(
    workbook: CalamineWorkbook, sheet_name: str
) -> tuple[list[str], pd.DataFrame] | None:
    """(headers, body frame) of a sheet, every cell rendered by `_cell_text`; None when its first
    row is blank."""
    # From cell A1, so list position + 1 is the row number the council sees.
    rows = workbook.get_sheet_by_name(sheet_name).to_python(skip_empty_area=False)
    if not rows or all(v == "" for v in rows[0]):
        return None
    headers = [_cell_text(h).strip() for h in rows[0]]
    width = len(headers)
    numbered = [
        (number, row) for number, row in enumerate(rows[1:], start=2)
        if any(v != "" for v in row)
    ]  # fmt: skip
    body = [
        ([v if type(v) is str else _cell_text(v) for v in row] + [""] * width)[:width]
        for _, row in numbered
    ]  # most cells are text: skip the call for them
    frame = pd.DataFrame(body, columns=headers, dtype="str")
    frame["source_row"] = [number for number, _ in numbered]
    return headers, frame


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def recognise(location: str, headers: list[str], profile: Profile) -> TableMapping:
    """The canonical table a file holds, recognised by its set of column headers."""
    present = set(headers)
    complete = [m for m in profile.tables.values() if m.required_headers <= present]
    if complete:
        best = max(len(m.required_headers) for m in complete)
        winners = [m for m in complete if len(m.required_headers) == best]
        if len(winners) > 1:
            names = " and ".join(m.table for m in winners)
            raise FileProblem(f"{location} could be either {names}; its columns are ambiguous.")
        return winners[0]
    scored = sorted(
        profile.tables.values(),
        key=lambda m: len(m.required_headers & present) / len(m.required_headers),
        reverse=True,
    )
    nearest = scored[0]
    overlap = len(nearest.required_headers & present) / len(nearest.required_headers)
    if overlap >= 0.5:
        missing = sorted(nearest.required_headers - present)
        raise FileProblem(
            f"{location} looks like the {nearest.table} table but is missing the required "
            f"column(s) {', '.join(missing)}."
        )
    expected = "; ".join(
        f"{m.table}{f' (sheet {m.sheet})' if m.sheet else ''}: {', '.join(sorted(m.required_headers)[:4])}..."
        for m in profile.tables.values()
    )
    raise FileProblem(
        f"{location} is not a table of the {profile.label} layout (its columns are "
        f"{', '.join(headers[:8])}{'...' if len(headers) > 8 else ''}). Expected tables: {expected}"
    )


def _finish(
    name: str, sheet: str | None, mapping: TableMapping, frame: pd.DataFrame, ragged: list
) -> RawTable:
    unknown = [c for c in frame.columns if c != "source_row" and c not in mapping.known_headers]
    identifying = [c for c in unknown if IDENTIFIER_HEADER.search(c)]
    where = f"{name} (sheet '{sheet}')" if sheet else name
    if identifying:
        raise FileProblem(
            f"{where} has column(s) {', '.join(identifying)} that look like names, addresses or "
            "contact details and are not part of the agreed layout. Personal details must not be "
            "sent: remove the column(s) and send the file again."
        )
    duplicated = sorted({c for c in frame.columns if list(frame.columns).count(c) > 1})
    if duplicated:
        raise FileProblem(f"{where} has the column(s) {', '.join(duplicated)} more than once.")
    frame = frame.copy()
    frame["file_name"] = name
    return RawTable(name, sheet, mapping, frame, ragged, unknown)
