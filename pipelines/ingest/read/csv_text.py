"""A CSV file's rows, each numbered by the line the council sees it on. pyarrow's CSV reader is
used because it is fast and reports malformed rows with their row numbers; lines are counted
here too, so that a quote left open cannot swallow rows unnoticed."""

from __future__ import annotations

import csv
import dataclasses
import functools
import io

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from data_contracts.profiles import Profile
from pipelines.ingest.read.headers import finish, recognise
from pipelines.ingest.read.raw import MAX_FIELD_CHARS, FileProblem, RaggedRow, RawTable, where
from pipelines.ingest.redact import safe_text

# What a file separated otherwise than its layout's delimiter is separated by, as a message says it
OTHER_SEPARATORS = {";": "';'", "\t": "tabs", "|": "'|'"}


def _lines(data: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Where each non-blank line of LF-ended text starts, and its line number (from 1): counted
    here, not by the CSV parser, so a quote left open cannot swallow rows unnoticed."""
    ends = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == ord("\n"))
    starts = np.concatenate(([0], ends + 1))
    stops = np.concatenate((ends, [len(data)]))
    filled = np.flatnonzero(stops > starts)
    return starts[filled], filled + 1


def read_csv(name: str, data: bytes, profile: Profile) -> RawTable:
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
    raw = finish(name, None, mapping, frame, ragged, notes)
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
