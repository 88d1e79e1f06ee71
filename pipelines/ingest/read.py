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

import bz2
import csv
import dataclasses
import functools
import gzip
import html
import io
import logging
import lzma
import os
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from xml.etree import ElementTree

import fastexcel
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from python_calamine import CalamineError, CalamineWorkbook

from data_contracts.council_text import without_identifiers
from data_contracts.profiles import Profile, TableMapping
from pipelines.ingest.landing import (
    Submission,
    SubmissionFile,
    hard_link_problem,
    open_regular,
)
from pipelines.ingest.redact import SPREADSHEET_ERRORS, safe_text, shape_text

BOM = b"\xef\xbb\xbf"
# Bounds on what one file may hold: bigger is refused whole, never loaded half-way. The largest
# export seen (a national 903 episodes file) is ~60 MB; the longest 903 value is under 100
# characters.
MAX_FILE_BYTES = 1024 * 2**20
MAX_FIELD_CHARS = 4096
COMPRESSED = {
    b"\x1f\x8b": lambda f: gzip.GzipFile(fileobj=f),
    b"BZh": bz2.BZ2File,
    b"\xfd7zXZ\x00": lzma.LZMAFile,
}
# What a file separated otherwise than its layout's delimiter is separated by, as a message says it
OTHER_SEPARATORS = {";": "';'", "\t": "tabs", "|": "'|'"}
HEADERS_NAMED = 8  # headers read ignoring capitals named in the note
HEADERS_SHOWN_INSTEAD = 5  # headers a table does not know named beside its missing ones
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
UNICODE_LINE_ENDS = ("\u2028".encode(), "\u2029".encode(), "\x85".encode())
# fastexcel warns for every column it finds no value in (blank padding columns): expected here.
logging.getLogger("fastexcel.types.dtype").setLevel(logging.ERROR)
IDENTIFIER_HEADER = re.compile(
    r"(?i)(^|[^a-z])((first|last|full|given|family|child|middle|maiden|preferred|known[ _-]?as)?"
    r"[ _-]?names?|forenames?|surnames?|address|street|addr|postcode|post ?code|phone|"
    r"telephone|mobile|email|e-mail|nhs|ni ?number)([^a-z]|$)"
)

# Where a CamelCase header's words meet (NHSNumber, ChildFullName, HomeAddress): split there first.
CAMEL_CASE_WORD = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


class FileProblem(Exception):
    """A file that cannot be read at all. The message is written for the council."""


@dataclass
class RaggedRow:
    """A CSV record that cannot be read as a row: too many or too few values, or a value in
    quotes running from `source_row` onto `last_line` (no value of a layout spans lines)."""

    source_row: int
    values: int
    last_line: int | None = None


@dataclass
class RawTable:
    file_name: str
    sheet: str | None
    mapping: TableMapping
    frame: pd.DataFrame  # text columns as sent + source_row + file_name
    ragged: list[RaggedRow] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # told to the council beside the file
    # read ';'-separated, as a spreadsheet in a locale writing decimal commas saves a CSV
    decimal_comma: bool = False

    @property
    def rows_received(self) -> int:
        return len(self.frame) + len(self.ragged)

    @property
    def location(self) -> str:
        return where(self.file_name, self.sheet)


def where(file_name: str, sheet: str | None = None) -> str:
    """A file (and sheet) as a message names it: names are the council's text, shown safely."""
    shown = safe_text(file_name)
    return f"{shown} (sheet '{safe_text(sheet)}')" if sheet else shown


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
                             f"{raw.mapping.shown_name} table; send each table once."))  # fmt: skip
        seen[raw.mapping.table] = raw
    return problems


def read_file(file: SubmissionFile, profile: Profile) -> list[RawTable]:
    shown = where(file.name)
    if file.size > MAX_FILE_BYTES:
        raise FileProblem(f"{shown} is {file.size / 2**20:,.0f} MB; files over "
                          f"{MAX_FILE_BYTES / 2**20:,.0f} MB are not loaded.")  # fmt: skip
    try:
        with open_regular(file.path) as handle:
            if os.fstat(handle.fileno()).st_nlink > 1:  # linked since the folder was read
                raise FileProblem(hard_link_problem(shown))
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise FileProblem(f"{shown} could not be opened ({exc.strerror or exc}).") from exc
    data = _decompressed(shown, data)
    if not data.strip():
        raise FileProblem(f"{shown} is empty.")
    if data[:4] == b"PK\x03\x04":
        return _read_workbook(file.name, data, profile)
    text, note = _as_utf8(shown, data, profile)
    if _looks_binary(text):
        raise FileProblem(
            f"{shown} is not a CSV or XLSX file (it holds binary data, or is damaged). "
            f"Please send {profile.label} files."
        )
    raw = _read_csv(file.name, _normalise_line_ends(text), profile)
    if note:
        raw.notes.insert(0, note)
    return [raw]


def _decompressed(name: str, data: bytes) -> bytes:
    """A gzip, bzip2 or xz file's content (bounded by MAX_FILE_BYTES); other data as it is."""
    opener = next((o for magic, o in COMPRESSED.items() if data.startswith(magic)), None)
    if opener is None:
        return data
    try:
        with opener(io.BytesIO(data)) as stream:
            content = stream.read(MAX_FILE_BYTES + 1)
    except (OSError, EOFError, ValueError, zlib.error, lzma.LZMAError) as exc:
        raise FileProblem(
            f"{name} is a damaged compressed file: it could not be unpacked. It may have been "
            "cut short or changed in transfer; please send it again."
        ) from exc
    if len(content) > MAX_FILE_BYTES:
        raise FileProblem(f"{name} unpacks to more than {MAX_FILE_BYTES / 2**20:,.0f} MB; "
                          "files that large are not loaded.")  # fmt: skip
    return content


def _as_utf8(name: str, data: bytes, profile: Profile) -> tuple[bytes, str | None]:
    """The text as UTF-8, and a note when it was written in another encoding: UTF-16 (with its
    byte-order mark, or without one when every other byte is zero) or Windows-1252."""
    utf16 = None if data.startswith(BOM) else _utf16_codec(data)
    data = data.removeprefix(BOM)  # a UTF-8 mark; the text after it is still checked
    if utf16:
        try:
            return data.decode(utf16).removeprefix("\ufeff").encode("utf-8"), (
                "read as UTF-16 text; please save it as CSV UTF-8"
            )
        except UnicodeDecodeError as exc:
            raise FileProblem(f"{name} looks like UTF-16 text but is damaged at byte "
                              f"{exc.start}.") from exc  # fmt: skip
    try:
        data.decode(profile.encoding)
        return data, None
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        try:
            return data.decode("cp1252").encode("utf-8"), (
                f"read as Windows-1252 text (byte 0x{data[exc.start]:02x} on line {line} is not "
                "UTF-8); please save it as CSV UTF-8"
            )
        except UnicodeDecodeError:
            raise FileProblem(
                f"{name} is not {profile.encoding.upper()} text: byte 0x{data[exc.start]:02x} on "
                f"line {line} cannot be read. Please save the file as CSV UTF-8."
            ) from exc


def _utf16_codec(data: bytes) -> str | None:
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "utf-16"
    head = data[:4096]
    if len(head) >= 8 and head.count(0) * 2 >= len(head) - 2:
        if head[1::2].count(0) == len(head[1::2]):
            return "utf-16-le"
        if head[0::2].count(0) == len(head[0::2]):
            return "utf-16-be"
    return None


def _normalise_line_ends(data: bytes) -> bytes:
    """Lines ended by CR alone (old Mac exports), CRLF or a mix all end in LF; a file with no
    CR or LF at all, but Unicode line or paragraph separators or NEL, has those as line ends."""
    if b"\r" in data:
        return data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    if b"\n" not in data:
        for separator in UNICODE_LINE_ENDS:
            data = data.replace(separator, b"\n")
    return data


def _looks_binary(data: bytes) -> bool:
    """A NUL byte anywhere: no text export has one (it is a binary or damaged file)."""
    return b"\x00" in data


def _lines(data: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Where each non-blank line of LF-ended text starts, and its line number (from 1): counted
    here, not by the CSV parser, so a quote left open cannot swallow rows unnoticed."""
    ends = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == ord("\n"))
    starts = np.concatenate(([0], ends + 1))
    stops = np.concatenate((ends, [len(data)]))
    filled = np.flatnonzero(stops > starts)
    return starts[filled], filled + 1


def _read_csv(name: str, data: bytes, profile: Profile) -> RawTable:
    shown = where(name)
    starts, line_numbers = _lines(data)
    if not len(starts):
        raise FileProblem(f"{shown} is empty.")
    whole, data = data, data[starts[0] :]  # blank lines above the header
    # a byte-order mark below blank lines (files joined together) is no part of the first header
    header_line = data.split(b"\n", 1)[0].decode(profile.encoding).removeprefix("\ufeff")
    profile, separated = _separated_as_sent(header_line, profile)
    headers = [h.strip() for h in next(iter(_csv_rows(header_line, profile.delimiter)))]
    mapping, read_as, note = recognise(shown, headers, profile)
    ragged: list[RaggedRow] = []
    # ragged rows holding no value (a row of commas shorter than the header)
    empty: set[int] = set()
    no_value = str.maketrans("", "", f'{profile.delimiter}"')

    def on_invalid(row: pacsv.InvalidRow) -> str:
        ragged.append(RaggedRow(source_row=row.number or -1, values=row.actual_columns))
        if not row.text.translate(no_value).strip():
            empty.add(id(ragged[-1]))
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
        raise FileProblem(f"{shown} could not be read as CSV: {_arrow_reason(exc)}") from exc
    records, read = len(line_numbers) - 1, table.num_rows + len(ragged)
    first_lines = last_lines = line_numbers  # of each record (the header's first)
    if read != records:  # a value in quotes spans lines: only its own record is held back
        spans = _record_lines(whole, read)
        if spans is None:
            raise FileProblem(_miscount(shown, whole, records, read))
        first_lines, last_lines, extents = spans
        _check_record_sizes(shown, whole, first_lines, last_lines, extents)
    _check_field_sizes(shown, table, ragged, first_lines)
    frame = table.to_pandas()
    frame.columns = read_as
    # Records are numbered by the parser (header = 1, blank lines skipped); the council sees
    # the file's own line numbers, blank lines included.
    ordinals = _good_record_ordinals(len(frame), ragged) - 1
    frame["source_row"] = first_lines[ordinals]
    for r in ragged:
        at = r.source_row - 1
        r.source_row = int(first_lines[at]) if r.source_row > 0 else -1
        if r.source_row > 0 and last_lines[at] != first_lines[at]:
            r.last_line = int(last_lines[at])
    keep = np.ones(len(frame), dtype=bool)
    if last_lines is not first_lines:
        spanning = last_lines[ordinals] != first_lines[ordinals]
        held = ordinals[spanning]
        ragged += [RaggedRow(int(first_lines[i]), len(headers), int(last_lines[i])) for i in held]
        ragged.sort(key=lambda r: r.source_row)
        keep &= ~spanning
    blank = _rows_without_values(table) & keep
    keep &= ~blank
    if not keep.all():
        frame = frame[keep].reset_index(drop=True)
    notes = [n for n in (separated, note) if n]
    left_out = int(blank.sum()) + sum(id(r) in empty and r.last_line is None for r in ragged)
    if left_out:
        ragged = [r for r in ragged if id(r) not in empty or r.last_line is not None]
        notes.append(f"{left_out:,} row(s) holding no values (only '{profile.delimiter}') left "
                     "out, as blank lines are")  # fmt: skip
    raw = _finish(name, None, mapping, frame, ragged, notes)
    raw.decimal_comma = profile.delimiter == ";"
    return raw


def _rows_without_values(table: pa.Table) -> np.ndarray:
    """Rows whose every value is blank (a row of commas, as a spreadsheet saves a row it once
    used): no more a row of data than a blank line. Only rows with a blank first value are
    looked at further: usually none."""
    blank = np.zeros(table.num_rows, dtype=bool)
    if not table.num_columns or not table.num_rows:
        return blank
    first = pc.equal(pc.utf8_trim_whitespace(table.column(0)), "")
    if not pc.any(first).as_py():
        return blank
    rows = pc.indices_nonzero(first)
    found = functools.reduce(
        pc.and_,
        [pc.equal(pc.utf8_trim_whitespace(pc.take(c, rows)), "") for c in table.columns[1:]],
        pc.take(first, rows),
    )
    blank[rows.to_numpy()[found.to_numpy(zero_copy_only=False)]] = True
    return blank


def _separated_as_sent(header_line: str, profile: Profile) -> tuple[Profile, str]:
    """The file read with the separator its header uses, when that is one other separator
    (';', a tab, '|': a spreadsheet saved in another locale or by another system) and not the
    layout's, with a note asking for the layout's; as the layout says, with no note, otherwise."""
    if profile.delimiter in header_line:
        return profile, ""
    others = [other for other in OTHER_SEPARATORS if other in header_line]
    if len(others) != 1:
        return profile, ""
    return dataclasses.replace(profile, delimiter=others[0]), (
        f"values separated by {OTHER_SEPARATORS[others[0]]} and read so, but the "
        f"{profile.label} uses '{profile.delimiter}': please export comma-separated CSV"
    )


def _arrow_reason(exc: Exception) -> str:
    """The CSV parser's complaint without the row it quotes (which may hold a child's details)."""
    return ": ".join(str(exc).split("\n", 1)[0].split(": ")[:2]).strip()


def _good_record_ordinals(n_good: int, ragged: list[RaggedRow]) -> np.ndarray:
    return np.asarray(_row_numbers(n_good, sorted(r.source_row for r in ragged)), dtype=np.int64)


def _record_lines(data: bytes, read: int) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """The line (from 1) each record of LF-ended text starts on, the line it ends on, and its
    [start, stop) bytes (one row each), the header's first, when the quotes tell the same story
    as the parser: every value in quotes that runs over a line break is closed, the header is on
    one line, and a record starts on each filled line outside quotes, `read` of them below the
    header. Otherwise None (a quote left open to the end, or one the parser took as part of a
    value)."""
    codes = np.frombuffer(data, dtype=np.uint8)
    ends = np.flatnonzero(codes == ord("\n"))
    quotes = np.flatnonzero(codes == ord('"'))
    per_line = np.bincount(np.searchsorted(ends, quotes), minlength=len(ends) + 1)
    closed = np.cumsum(per_line) % 2 == 0  # no quote open at the end of the line
    if not closed[-1]:
        return None
    starts, stops = np.concatenate(([0], ends + 1)), np.concatenate((ends, [len(data)]))
    first = np.flatnonzero((stops > starts) & np.concatenate(([True], closed[:-1])))
    shut = np.flatnonzero(closed)
    last = shut[np.searchsorted(shut, first)]
    if len(first) != read + 1 or last[0] != first[0]:
        return None
    return first + 1, last + 1, np.column_stack((starts[first], stops[last]))


def _check_record_sizes(
    name: str, data: bytes, first: np.ndarray, last: np.ndarray, extents: np.ndarray
) -> None:
    """A record over several lines longer than any value may be (rows run together between two
    quotes) refuses the file, as a value that long on one line does: the parser may not have
    read it as a row, so its values were never measured."""
    sizes = np.where(last > first, extents[:, 1] - extents[:, 0], 0)
    at = int(np.argmax(sizes))
    if sizes[at] <= MAX_FIELD_CHARS:
        return
    length = len(data[extents[at, 0] : extents[at, 1]].decode("utf-8", "replace"))
    if length > MAX_FIELD_CHARS:
        raise FileProblem(
            f"{name}: a value in quotes runs from line {first[at]} onto line {last[at]}, "
            f"{length:,} characters in all; values over {MAX_FIELD_CHARS:,} characters are not "
            "loaded (it may be several rows run together between two quotes)."
        )


def _miscount(name: str, data: bytes, records: int, read: int) -> str:
    """Why the parser read fewer records than the file has lines: a value running over several
    lines, which starts on the first line with an odd number of quotes."""
    where = ""
    codes = np.frombuffer(data, dtype=np.uint8)
    quotes = np.flatnonzero(codes == ord('"'))
    if len(quotes):
        ends = np.flatnonzero(codes == ord("\n"))
        per_line = np.bincount(np.searchsorted(ends, quotes), minlength=len(ends) + 1)
        odd = np.flatnonzero(per_line % 2)
        if len(odd) == 1:
            where = (f" A quote (\") opened on line {odd[0] + 1} is never closed, so the rows "
                     "after it were read as one value.")  # fmt: skip
        elif len(odd):
            where = (f" A value in quotes runs from line {odd[0] + 1} onto line {odd[1] + 1}: a "
                     "line break inside a value (or a quote left open there). No value of the "
                     "layout spans lines.")  # fmt: skip
    return (
        f"{name} has {records:,} rows of data but only {read:,} could be read as separate "
        f"records.{where} Nothing from this file was loaded, so that no rows are lost in "
        "silence: check the quotes, then send the file again."
    )


def _check_field_sizes(
    name: str, table: pa.Table, ragged: list[RaggedRow], lines: np.ndarray
) -> None:
    for position, column in enumerate(table.columns):
        if not len(column):
            continue
        lengths = pc.utf8_length(column)
        longest = pc.max(lengths).as_py() or 0
        if longest > MAX_FIELD_CHARS:
            index = pc.index(lengths, longest).as_py()
            line = lines[_good_record_ordinals(index + 1, ragged)[-1] - 1]
            raise FileProblem(
                f"{name}: the value in column {position + 1} "
                f"({safe_text(table.column_names[position].strip())}) on line {line} is "
                f"{longest:,} characters long; values over {MAX_FIELD_CHARS:,} characters are "
                "not loaded (it may be several rows run together)."
            )


def _csv_rows(text: str, delimiter: str):
    return csv.reader([text], delimiter=delimiter)


def _row_numbers(n_good: int, bad_rows: list[int]) -> list[int]:
    """Rows 2, 3, ... less the bad ones, the first `n_good` of them."""
    rows = np.arange(2, 2 + n_good + len(bad_rows), dtype=np.int64)
    return rows[~np.isin(rows, bad_rows)][:n_good].tolist()


def _read_workbook(name: str, data: bytes, profile: Profile) -> list[RawTable]:
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
        raw = _finish(name, sheet_name, mapping, frame, [], [note] if note else [])
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


def recognise(
    location: str, headers: list[str], profile: Profile
) -> tuple[TableMapping, list[str], str | None]:
    """The canonical table a file holds, recognised by its set of column headers; the headers as
    read (one sent in other capitals than the layout's, `child` for CHILD, as the layout's); and
    a note naming those, for the council. Headers as sent are preferred: the capitals are ignored
    only when they decide nothing (no two headers, and no two tables, become one)."""
    present = set(headers)
    mapping = _best_fit(location, profile, lambda m: m.required_headers <= present)
    if mapping is None:
        folded = {h.casefold() for h in headers}
        mapping = _best_fit(
            location,
            profile,
            lambda m: {r.casefold() for r in m.required_headers} <= folded,
            " ignoring capitals",
        )
    if mapping is None:
        _refuse_unrecognised(location, headers, profile)
    return (mapping, *_read_ignoring_case(location, mapping, headers))


def _best_fit(
    location: str, profile: Profile, fits: Callable[[TableMapping], bool], how: str = ""
) -> TableMapping | None:
    """Of the tables whose required headers the file has, the one needing the most of them."""
    complete = [m for m in profile.tables.values() if fits(m)]
    if not complete:
        return None
    best = max(len(m.required_headers) for m in complete)
    winners = [m for m in complete if len(m.required_headers) == best]
    if len(winners) > 1:
        names = " and ".join(m.table for m in winners)
        raise FileProblem(f"{location} could be either {names}{how}; its columns are ambiguous.")
    return winners[0]


def _read_ignoring_case(
    location: str, mapping: TableMapping, headers: list[str]
) -> tuple[list[str], str | None]:
    """The headers, each the layout's header it matches ignoring capitals when it is not one of
    the layout's as sent; and the note naming them. A layout header sent as it is keeps its
    column (another header matching it ignoring capitals stays a column the layout does not
    know); two headers that match the same layout header only ignoring capitals are refused:
    which of them holds its values is not for us to guess."""
    known = {h.casefold(): h for h in mapping.known_headers}
    claims: dict[str, list[str]] = {}
    for header in headers:
        layout = known.get(header.casefold())
        if layout is not None and header != layout and layout not in headers:
            claims.setdefault(layout, []).append(header)
    twice = {layout: sent for layout, sent in claims.items() if len(sent) > 1}
    if twice:
        named = "; ".join(
            f"{' and '.join(map(safe_text, sent))} for {layout}"
            for layout, sent in sorted(twice.items())
        )
        raise FileProblem(
            f"{location} looks like the {mapping.shown_name} table, but more than one of its headers "
            f"is a header of the layout in other capitals ({named}): which column holds its "
            "values is not clear. Please use the layout's headers exactly, once each."
        )
    if not claims:
        return headers, None
    read_as = {sent[0]: layout for layout, sent in claims.items()}
    renamed = [f"{safe_text(h)} as {read_as[h]}" for h in headers if h in read_as]
    shown = ", ".join(renamed[:HEADERS_NAMED]) + (
        f" and {len(renamed) - HEADERS_NAMED} more" if len(renamed) > HEADERS_NAMED else ""
    )
    note = (
        f"{len(renamed)} header(s) read ignoring capitals ({shown}); please use the layout's "
        "headers exactly"
    )
    return [read_as.get(h, h) for h in headers], note


def _refuse_unrecognised(location: str, headers: list[str], profile: Profile) -> None:
    """Why no table of the layout fits the headers: the nearest one's missing columns (its
    headers in other capitals count as sent), or the tables the layout has."""
    folded = {h.casefold() for h in headers}

    def found(m: TableMapping) -> int:
        return sum(r.casefold() in folded for r in m.required_headers)

    nearest = max(profile.tables.values(), key=lambda m: found(m) / len(m.required_headers))
    if found(nearest) / len(nearest.required_headers) >= 0.5:
        missing = sorted(r for r in nearest.required_headers if r.casefold() not in folded)
        raise FileProblem(
            f"{location} looks like the {nearest.shown_name} table but is missing the required "
            f"column(s) {', '.join(missing)}.{_sent_instead(headers, nearest, missing)}"
        )
    expected = "; ".join(
        f"{m.shown_name}{f' (sheet {m.sheet})' if m.sheet else ''}: {', '.join(sorted(m.required_headers)[:4])}..."
        for m in profile.tables.values()
    )
    raise FileProblem(
        f"{location} is not a table of the {profile.label} layout (its columns are "
        f"{', '.join(_header_shown(h, profile) for h in headers[:8])}"
        f"{'...' if len(headers) > 8 else ''})."
        f" Expected tables: {expected}"
    )


def _sent_instead(headers: list[str], mapping: TableMapping, missing: list[str]) -> str:
    """The headers sent that the table does not know (in other capitals than the layout's
    count as known), named after its missing ones: usually one of them is a missing column
    under another name (CHILD_ID for CHILD), and renaming it is the fix. Quoted through
    safe_text; one that looks like a personal detail is not quoted but found by its position
    and the word that gave it away, as _identifying_headers finds it; past HEADERS_SHOWN_INSTEAD
    the rest are counted."""
    known = {h.casefold() for h in mapping.known_headers}
    unknown = [
        f"column {position} (its header has the word '{word}')"
        if (word := _identifying_word(header))
        else safe_text(header)
        for position, header in enumerate(headers, start=1)
        if header and header.casefold() not in known
    ]
    if not unknown:
        return ""
    shown = unknown[:HEADERS_SHOWN_INSTEAD]
    more = len(unknown) - len(shown)
    if more:
        listed = f"{', '.join(shown)} and {more} more"
    else:
        listed = f"{', '.join(shown[:-1])} and {shown[-1]}" if len(shown) > 1 else shown[0]
    one_sent, one_missing = len(unknown) == 1, len(missing) == 1
    if one_sent:
        fix = f"if it holds {missing[0] if one_missing else 'a missing column'}, rename it"
    elif one_missing:
        fix = f"if one of them holds {missing[0]}, rename it"
    else:
        fix = "if they hold missing columns, rename them"
    return f" It has {listed}, which the {mapping.shown_name} table does not use: {fix}."


def _header_shown(header: str, profile: Profile) -> str:
    """A header as it may be repeated: one of the layout's own in clear; anything else by its
    shape, since a sheet of notes or a file sent without its header row starts with someone's
    data."""
    known = any(header in mapping.known_headers for mapping in profile.tables.values())
    return header if known else shape_text(header)


def _finish(
    name: str,
    sheet: str | None,
    mapping: TableMapping,
    frame: pd.DataFrame,
    ragged: list,
    notes: list[str],
) -> RawTable:
    identifying = _identifying_headers(frame, mapping)
    frame, unnamed = _without_unnamed_columns(frame)
    notes = notes + unnamed
    unknown = [c for c in frame.columns if c != "source_row" and c not in mapping.known_headers]
    location = where(name, sheet)
    if identifying:
        # The header itself is never repeated: a column named after a child is the very thing
        # the check is for. Its position, and the word that gave it away, are enough to find it.
        raise FileProblem(
            f"{location} has column(s) that look like names, addresses or contact details and "
            f"are not part of the agreed layout ({'; '.join(identifying)}). Personal details "
            "must not be sent: remove the column(s) and send the file again."
        )
    duplicated = sorted({c for c in frame.columns if list(frame.columns).count(c) > 1})
    if duplicated:
        raise FileProblem(f"{location} has the column(s) "
                          f"{', '.join(map(safe_text, duplicated))} more than once.")  # fmt: skip
    frame = frame.copy()
    frame["file_name"] = name
    # a sheet's name is kept (audit rows, reports) as a file's is (landing.py): without identifiers
    kept_sheet = sheet and without_identifiers(sheet)
    return RawTable(name, kept_sheet, mapping, frame, ragged, unknown, notes)


def _identifying_headers(frame: pd.DataFrame, mapping: TableMapping) -> list[str]:
    """Each column not in the layout whose header looks like a personal detail, named by its
    position (from 1, as the council counts columns) and the word that makes it look so."""
    found = []
    for position, header in enumerate(frame.columns, start=1):
        if header in ("", "source_row") or header in mapping.known_headers:
            continue
        word = _identifying_word(header)
        if word:
            found.append(f"column {position}, by the word '{word}'")
    return found


def _identifying_word(header: str) -> str | None:
    """The word that makes a header look like a personal detail ('Child Name', 'NHS'), if any."""
    word = IDENTIFIER_HEADER.search(CAMEL_CASE_WORD.sub(" ", header))
    return word.group(2).strip(" _-") if word else None


def _without_unnamed_columns(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Columns with a blank header (a trailing comma on every line, an empty first column) are
    left out, and the council is told; one holding values is named by its position."""
    blank = [i for i, c in enumerate(frame.columns) if c == ""]
    if not blank:
        return frame, []
    filled = [i + 1 for i in blank if frame.iloc[:, i].fillna("").ne("").any()]
    notes = [f"{len(blank)} column(s) with no header left out"]
    if filled:
        notes[0] += (f", of which column(s) {', '.join(map(str, filled))} hold values: give them "
                     "a header from the layout or leave them out")  # fmt: skip
    keep = [i for i in range(frame.shape[1]) if i not in set(blank)]
    return frame.iloc[:, keep], notes
