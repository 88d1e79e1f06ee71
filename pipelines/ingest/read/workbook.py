"""An XLSX workbook's sheets as text tables. Workbooks are read with fastexcel (calamine in Rust,
straight to Arrow) when every cell of a sheet is text, as exports write them; a sheet holding any
typed cell (number, date, boolean) or a workbook fastexcel cannot open goes through python-calamine
and `_cell_text`, cell by cell, so typed cells keep exactly the text they have always had. Error
cells (#N/A) and formulas saved without their values are found in the sheet XML and told."""

from __future__ import annotations

import functools
import html
import io
import logging
import re
import zipfile
from collections.abc import Callable, Iterator
from datetime import date, datetime
from xml.etree import ElementTree

import fastexcel
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from python_calamine import CalamineError, CalamineWorkbook

from data_contracts.profiles import Profile
from pipelines.ingest.read.headers import finish, recognise
from pipelines.ingest.read.raw import MAX_FILE_BYTES, FileProblem, RawTable, where
from pipelines.ingest.redact import SPREADSHEET_ERRORS

HEADER_SEARCH_ROWS = 20  # a workbook's header may sit below a title or blank rows


# A cell's attributes are separated by white space: `t="e"` (an error cell) is not the tail of
# another attribute (`data-t="e"`), nor `r="D2"` of `data-r="D2"`.
ERROR_CELL = re.compile(
    rb'<(?:\w+:)?c\b(?=[^>]*\st="e")[^>]*\sr="([A-Z]+\d+)"[^>]*?(?<!/)>(.*?)</(?:\w+:)?c>', re.S
)


CELL_VALUE = re.compile(rb"<(?:\w+:)?v>([^<]*)<")


CELL = re.compile(rb'<(?:\w+:)?c\b[^>]*\sr="([A-Z]+\d+)"[^>]*?(?<!/)>(.*?)</(?:\w+:)?c>', re.S)


EXCEL_ERROR = re.compile(SPREADSHEET_ERRORS)


ERROR_CELLS_NAMED = 10


FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")


# fastexcel warns for every column it finds no value in (blank padding columns): expected here.
logging.getLogger("fastexcel.types.dtype").setLevel(logging.ERROR)


def read_workbook(name: str, data: bytes, profile: Profile) -> list[RawTable]:
    _check_unpacked_size(where(name), data)
    findings = functools.cache(lambda: _cell_findings(data))
    errors, unsaved = (lambda: findings()[0]), (lambda: findings()[1])
    try:
        workbook = fastexcel.read_excel(data)
        sheet_names = workbook.sheet_names
    except Exception:  # whatever fastexcel trips on, the cell-by-cell reader decides
        by_cell = _calamine_workbook(where(name), data)
        return _sheet_tables(name, profile, by_cell.sheet_names,
                             lambda sheet: _sheet_by_cell(by_cell, sheet), errors,
                             unsaved)  # fmt: skip
    by_cell: CalamineWorkbook | None = None

    def read_sheet(sheet_name: str) -> list[pa.Array]:
        nonlocal by_cell
        cells = _text_sheet(workbook, sheet_name)
        if cells is None:  # typed cells: read this sheet cell by cell
            by_cell = by_cell or _calamine_workbook(where(name), data)
            cells = _sheet_by_cell(by_cell, sheet_name)
        return cells

    return _sheet_tables(name, profile, sheet_names, read_sheet, errors, unsaved)


def _check_unpacked_size(name: str, data: bytes) -> None:
    try:
        unpacked = sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(data)).infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise FileProblem(f"{name} is not a readable XLSX workbook (a damaged zip file).") from exc
    if unpacked > MAX_FILE_BYTES:
        raise FileProblem(f"{name} unpacks to {unpacked / 2**20:,.0f} MB; workbooks over "
                          f"{MAX_FILE_BYTES / 2**20:,.0f} MB unpacked are not loaded.")  # fmt: skip


def _sheet_tables(
    name: str,
    profile: Profile,
    sheet_names: list[str],
    read_sheet: Callable[[str], list[pa.Array]],
    errors: Callable[[], dict[str, dict[tuple[int, int], str]]],
    unsaved_formulas: Callable[[], dict[str, list[str]]],
) -> list[RawTable]:
    tables = []
    for sheet_name in sheet_names:
        location = where(name, sheet_name)
        try:
            cells = read_sheet(sheet_name)
        except (CalamineError, ValueError) as exc:  # its text may quote a cell: never shown
            raise FileProblem(_unreadable_sheet(location, errors().get(sheet_name, {}))) from exc
        found = errors().get(sheet_name, {}) if cells and len(cells[0]) else {}
        cells = _with_error_cells(cells, found)
        text = _sheet_frame(location, cells, profile)
        if text is None:
            continue
        headers, frame = text
        mapping, read_as, note = recognise(location, headers, profile)
        frame.columns = [*read_as, "source_row"]
        raw = finish(name, sheet_name, mapping, frame, [], [note] if note else [])
        if found:
            raw.notes.append(f"{len(found)} cell(s) hold a spreadsheet error "
                             f"({_error_cells_named(found)}), read as that text: a formula did "
                             "not find its value")  # fmt: skip
        unsaved = unsaved_formulas().get(sheet_name, [])
        if unsaved:
            cells_named = ", ".join(unsaved[:10]) + (" ..." if len(unsaved) > 10 else "")
            raw.notes.append(f"{len(unsaved)} cell(s) ({cells_named}) hold a formula whose value "
                             "was never saved, read as blank: open and save the workbook in "
                             "Excel, or paste the values in, and send it again")  # fmt: skip
        tables.append(raw)
    if not tables:
        raise FileProblem(f"{where(name)} has no sheet with data.")
    return tables


def _unreadable_sheet(location: str, found: dict[tuple[int, int], str]) -> str:
    odd = {cell: text for cell, text in found.items() if not EXCEL_ERROR.fullmatch(text)}
    if odd:
        return (f"{location} could not be read: cell(s) {_error_cells_named(odd)} are marked as "
                "a spreadsheet error but hold text that is not one of Excel's errors (#N/A, "
                "#REF! ...). Open and save the workbook in Excel, or paste the values in, and "
                "send it again.")  # fmt: skip
    return (f"{location} could not be read: the sheet is damaged or was not written by a "
            "spreadsheet program. Open and save the workbook in Excel and send it again.")  # fmt: skip


def _sheet_frame(
    location: str, cells: list[pa.Array], profile: Profile
) -> tuple[list[str], pd.DataFrame] | None:
    """(headers, body frame) of a sheet's text columns (from cell A1, blank as ""), with each
    row's spreadsheet number; None when the sheet is blank. The header is the first row that
    names a table of the layout among the first HEADER_SEARCH_ROWS filled ones (title rows or
    blank rows may sit above it), else the first filled row. A row whose cells hold nothing but
    spaces looks blank in the spreadsheet and is left out as a blank row is."""
    if not cells or not len(cells[0]):
        return None
    holding = [pc.not_equal(pc.utf8_trim_whitespace(values), "") for values in cells]
    filled = pc.indices_nonzero(functools.reduce(pc.or_, holding)).to_numpy().astype(np.int64)
    if not len(filled):
        return None
    header_at = int(filled[0])
    for row in filled[:HEADER_SEARCH_ROWS].tolist():
        try:
            recognise(location, [values[row].as_py().strip() for values in cells], profile)
        except FileProblem:
            continue
        header_at = row
        break
    headers = [values[header_at].as_py().strip() for values in cells]
    body_rows = filled[filled > header_at]
    frame = pd.DataFrame(
        {i: values.take(body_rows).to_pandas() for i, values in enumerate(cells)}, dtype="str"
    )
    frame.columns = headers
    frame["source_row"] = body_rows + 1
    return headers, frame


def _text_sheet(workbook: fastexcel.ExcelReader, sheet_name: str) -> list[pa.Array] | None:
    """A sheet whose cells are all text (or blank) as columns of text from cell A1, straight from
    Arrow; None when some cell is typed. Row i of the batch is spreadsheet row i + 1 (skip_rows=0
    keeps blank leading rows); leading blank columns, which calamine's range leaves out, come back
    as blank columns, as `_sheet_by_cell` reads them."""
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
    blank = pa.nulls(batch.num_rows, pa.string())
    cells = [blank] * (max((c.absolute_index for c in columns), default=-1) + 1)
    for column, values in zip(columns, batch.columns, strict=True):
        cells[column.absolute_index] = values.cast(pa.string())
    return [pc.fill_null(values, "") for values in cells]


def _calamine_workbook(name: str, data: bytes) -> CalamineWorkbook:
    try:
        return CalamineWorkbook.from_filelike(io.BytesIO(data))
    except (CalamineError, ValueError, OSError) as exc:
        # (the reader's own words are not repeated: they may quote the workbook's content)
        raise FileProblem(f"{name} is not a readable XLSX workbook (it is damaged, or not an "
                          "XLSX file).") from exc  # fmt: skip


def _sheet_by_cell(workbook: CalamineWorkbook, sheet_name: str) -> list[pa.Array]:
    """A sheet as columns of text from cell A1, every typed cell rendered by `_cell_text`."""
    rows = workbook.get_sheet_by_name(sheet_name).to_python(skip_empty_area=False)
    width = max((len(row) for row in rows), default=0)
    body = [
        ([v if type(v) is str else _cell_text(v) for v in row] + [""] * width)[:width]
        for row in rows
    ]  # most cells are text: skip the call for them
    return [pa.array(column, pa.string()) for column in zip(*body, strict=True)] if body else []


def _with_error_cells(cells: list[pa.Array], errors: dict[tuple[int, int], str]) -> list[pa.Array]:
    """Cells holding a spreadsheet error (#N/A, #REF!...) keep its text: both readers give them
    as blank, and a council must not be told a cell is empty when it shows #N/A."""
    if not errors:
        return cells
    cells = list(cells)
    by_column: dict[int, dict[int, str]] = {}
    for (row, column), text in errors.items():
        by_column.setdefault(column, {})[row] = text
    for column, found in by_column.items():
        if column >= len(cells):
            continue
        values = cells[column].to_pylist()
        for row, text in found.items():
            if row < len(values):
                values[row] = text
        cells[column] = pa.array(values, pa.string())
    return cells


def _error_cells_named(found: dict[tuple[int, int], str]) -> str:
    """Error cells by reference, each with its error when it is one of Excel's own (#N/A, #REF!
    ...): a cell marked as an error may hold any text (a workbook written by another program),
    and a note never repeats a cell's text."""
    named = [
        f"{_cell_reference(row, column)}{f' {text}' if EXCEL_ERROR.fullmatch(text) else ''}"
        for (row, column), text in sorted(found.items())
    ]
    more = len(named) - ERROR_CELLS_NAMED
    return ", ".join(named[:ERROR_CELLS_NAMED]) + (f" and {more:,} more" if more > 0 else "")


def _cell_reference(row: int, column: int) -> str:
    """'D2' for (1, 3): row and column from 0."""
    letters = ""
    column += 1
    while column:
        column, remainder = divmod(column - 1, 26)
        letters = chr(65 + remainder) + letters
    return f"{letters}{row + 1}"


def _sheet_xml(data: bytes) -> Iterator[tuple[str, bytes]]:
    """(sheet name, sheet XML) of each sheet of a workbook."""
    book = zipfile.ZipFile(io.BytesIO(data))
    names = set(book.namelist())
    if "xl/workbook.xml" not in names or "xl/_rels/workbook.xml.rels" not in names:
        return
    targets = {
        rel.get("Id"): rel.get("Target", "")
        for rel in ElementTree.fromstring(book.read("xl/_rels/workbook.xml.rels"))
    }
    for sheet in ElementTree.fromstring(book.read("xl/workbook.xml")).iter():
        if not sheet.tag.endswith("}sheet"):
            continue
        rel = next((v for k, v in sheet.attrib.items() if k.endswith("}id")), None)
        target = targets.get(rel, "").lstrip("/")
        path = target if target.startswith("xl/") else f"xl/{target}"
        if path in names:
            yield sheet.get("name"), book.read(path)


def _cell_findings(
    data: bytes,
) -> tuple[dict[str, dict[tuple[int, int], str]], dict[str, list[str]]]:
    """From the sheet XML, each sheet unpacked once (most of the cost), by sheet name:
    - error cells, {(row, column) from 0: '#N/A'} (only a sheet that has any is searched);
    - cells holding a formula with no saved value (a workbook written by a program that does
      not calculate): read as blank, so the council must be told."""
    errors, unsaved = {}, {}
    try:
        for name, xml in _sheet_xml(data):
            if b't="e"' in xml:
                errors[name] = {
                    _cell_position(ref): html.unescape(value[1].decode("utf-8", "replace"))
                    for ref, content in ERROR_CELL.findall(xml)
                    if (value := CELL_VALUE.search(content))
                }
            if b"<f" in xml and (refs := [ref.decode() for ref, content in CELL.findall(xml)
                                          if FORMULA.search(content)
                                          and not CELL_VALUE.search(content)]):  # fmt: skip
                unsaved[name] = refs
    except (zipfile.BadZipFile, ElementTree.ParseError, KeyError, OSError, ValueError):
        return {}, {}
    return errors, unsaved


def _cell_position(ref: bytes) -> tuple[int, int]:
    letters = ref.rstrip(b"0123456789")
    column = 0
    for letter in letters.decode():
        column = column * 26 + ord(letter) - 64
    return int(ref[len(letters) :]) - 1, column - 1


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
