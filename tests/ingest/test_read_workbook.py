"""XLSX sheets become text frames cell for cell: the Arrow path (sheets of text, as exports write
them) and the cell-by-cell path (sheets holding typed cells) give the same text."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

import fastexcel
import pandas as pd
import pytest
import xlsxwriter
from python_calamine import CalamineWorkbook

from data_contracts.profiles import load_profile
from pipelines.ingest.read import workbook
from pipelines.ingest.read.raw import FileProblem, RawTable

HEADER = ["Person ID", "Gender", "Date of Birth", "Ethnicity", "Disabled", "Note"]


def _workbook(write) -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    write(book)
    book.close()
    return out.getvalue()


def _read(data: bytes) -> dict[str, RawTable]:
    tables = workbook.read_workbook("export.xlsx", data, load_profile("liquidlogic"))
    return {table.sheet: table for table in tables}


def _rows(table: RawTable) -> list[list]:
    return table.frame.drop(columns="file_name").values.tolist()


def _both_paths(data: bytes, sheet: str):
    """(headers, frame) of a text sheet read through fastexcel and through python-calamine."""
    profile = load_profile("liquidlogic")
    fast = workbook._text_sheet(fastexcel.read_excel(data), sheet)
    by_cell = workbook._sheet_by_cell(CalamineWorkbook.from_filelike(io.BytesIO(data)), sheet)
    assert fast is not None
    return workbook._sheet_frame(sheet, fast, profile), workbook._sheet_frame(
        sheet, by_cell, profile
    )


def test_typed_cells_read_as_the_text_a_council_sees():
    def write(book):
        day = book.add_format({"num_format": "dd/mm/yyyy"})
        stamp = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
        clock = book.add_format({"num_format": "hh:mm"})
        sheet = book.add_worksheet("Children")
        sheet.write_row(0, 0, [" Person ID ", *HEADER[1:]])  # header text is stripped
        sheet.write_number(1, 0, 101.0)  # integer-valued float: no ".0"
        sheet.write_string(1, 1, "M")
        sheet.write_datetime(1, 2, dt.datetime(2019, 2, 1), day)  # midnight: ISO date
        sheet.write_boolean(1, 3, True)
        sheet.write_number(1, 4, 2.5)  # a real float as Python writes it
        sheet.write_datetime(1, 5, dt.datetime(2019, 2, 1, 13, 45, 7), stamp)
        # row 3 left blank: skipped, row numbers keep counting
        sheet.write_row(3, 0, ["103", "F"])  # short row, padded with ""
        sheet.write_number(4, 0, 1e-05)
        sheet.write_datetime(4, 1, dt.datetime(1899, 12, 31, 9, 30), clock)  # a time of day
        sheet.write_formula(4, 2, "=1/0", None, "#DIV/0!")  # an error cell keeps its text
        sheet.write_boolean(4, 3, False)
        book.add_worksheet("Empty")  # no cells: skipped

    table = _read(_workbook(write))["Children"]
    assert list(table.frame.columns) == [*HEADER, "source_row", "file_name"]
    assert _rows(table) == [
        ["101", "M", "2019-02-01", "True", "2.5", "2019-02-01 13:45:07", 2],
        ["103", "F", "", "", "", "", 4],
        ["1e-05", "09:30:00", "#DIV/0!", "False", "", "", 5],
    ]
    assert table.ignored_columns == ["Note"]
    assert "1 cell(s) hold a spreadsheet error (C5 #DIV/0!)" in table.notes[0]
    assert [str(t) for t in table.frame.dtypes] == ["str"] * 6 + ["int64", "str"]


def test_text_sheet_from_cell_a1_blank_rows_and_stray_cells():
    def write(book):
        sheet = book.add_worksheet("Children")
        sheet.write_row(0, 1, HEADER[:4])  # column A blank: still the first column
        sheet.write_row(1, 1, ["101", "M", "01/02/2019", "WBRI"])
        sheet.write_row(3, 1, ["102", "F"])  # row 3 blank, row 4 short
        sheet.write_string(5, 2, "")  # an empty text cell only: a blank row
        sheet.write_string(6, 1, " 104 ")  # text is kept as sent, spaces and all
        sheet.write_row(7, 1, ["  ", " "])  # cells of spaces only: as blank as row 6
        book.add_worksheet("Empty")
        late = book.add_worksheet("Blank first row")  # its header is on row 3, below a title
        late.write_string(0, 0, "Children looked after: export of 31/10/2026")
        late.write_row(2, 0, HEADER[:4])
        late.write_row(4, 0, ["201", "F", "01/03/2019", "WBRI"])

    data = _workbook(write)
    tables = _read(data)
    assert list(tables) == ["Children", "Blank first row"]
    assert _rows(tables["Blank first row"]) == [["201", "F", "01/03/2019", "WBRI", 5]]
    table = tables["Children"]
    assert list(table.frame.columns) == [*HEADER[:4], "source_row", "file_name"]
    assert table.notes == ["1 column(s) with no header left out"]  # column A, blank
    assert _rows(table) == [
        ["101", "M", "01/02/2019", "WBRI", 2],
        ["102", "F", "", "", 4],
        [" 104 ", "", "", "", 7],
    ]
    # The Arrow path and the cell-by-cell path agree on a text sheet.
    for sheet in tables:
        fast, by_cell = _both_paths(data, sheet)
        assert fast[0] == by_cell[0]
        pd.testing.assert_frame_equal(fast[1], by_cell[1], check_exact=True)


def test_a_sheet_with_a_header_only_has_no_rows():
    def write(book):
        book.add_worksheet("Children").write_row(0, 0, HEADER[:4])

    table = _read(_workbook(write))["Children"]
    assert table.frame.empty and list(table.frame.columns)[:4] == HEADER[:4]


def test_a_workbook_with_no_data_or_not_a_workbook_is_refused():
    with pytest.raises(FileProblem, match=r"export\.xlsx has no sheet with data"):
        _read(_workbook(lambda book: book.add_worksheet("Empty")))
    with pytest.raises(FileProblem, match=r"export\.xlsx is not a readable XLSX workbook"):
        _read(b"PK\x03\x04" + b"\x00" * 100)


def test_text_cells_read_the_same_on_both_paths():
    def write(book):
        sheet = book.add_worksheet("Children")
        sheet.write_row(0, 0, HEADER[:4])
        sheet.write_rich_string(1, 0, "1", book.add_format({"bold": True}), "0", "1")
        sheet.write_string(1, 1, "line1\nline2\r\n\t")
        sheet.write_formula(1, 2, '="0"&"1/02/2019"', None, "01/02/2019")  # a text result
        sheet.write_string(1, 3, "é😀\u00a0")

    data = _workbook(write)
    fast, by_cell = _both_paths(data, "Children")
    assert fast[1].values.tolist() == [["101", "line1\nline2\r\n\t", "01/02/2019", "é😀\u00a0", 2]]
    pd.testing.assert_frame_equal(fast[1], by_cell[1], check_exact=True)


def _with_cell(data: bytes, cell: bytes) -> bytes:
    """The workbook with its first sheet's cell D2 replaced by `cell` (XML as another program
    might write it)."""
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                changed = re.sub(rb'<c r="D2"[^>]*>.*?</c>', cell, content, flags=re.S)
                assert changed != content
                content = changed
            target.writestr(item, content)
    return out.getvalue()


def _children_sheet(book):
    sheet = book.add_worksheet("Children")
    sheet.write_row(0, 0, HEADER[:4])
    sheet.write_row(1, 0, ["101", "M", "01/02/2019", "WBRI"])


def test_an_error_cell_is_named_by_its_reference_and_never_by_arbitrary_text():
    """A cell marked as an error (t="e") by a program other than Excel may hold any text: the
    note names the cell, and the error only when it is one of Excel's own."""
    data = _workbook(_children_sheet)
    arbitrary = _with_cell(data, b'<c r="D2" t="e"><v>#Zebedee Quux 943 476 5919 ZZ9 9ZZ</v></c>')
    with pytest.raises(FileProblem) as refused:  # the cell reader will not read it
        _read(arbitrary)
    assert "cell(s) D2 are marked as a spreadsheet error but hold text that is not" in str(
        refused.value
    )
    assert not any(s in str(refused.value) for s in ("Zebedee", "943 476", "ZZ9"))
    notes = workbook._error_cells_named({(1, 3): "#Zebedee 9434765919", (4, 27): "#REF!"})
    assert notes == "D2, AB5 #REF!"
    excel = _with_cell(data, b'<c r="D2" t="e"><v>#N/A</v></c>')
    assert "1 cell(s) hold a spreadsheet error (D2 #N/A)" in _read(excel)["Children"].notes[0]


def test_only_the_cells_type_attribute_marks_an_error():
    """`data-t="e"` (or any attribute ending in t="e") is not the cell's type."""
    data = _with_cell(
        _workbook(_children_sheet),
        b'<c r="D2" t="inlineStr" data-t="e"><is><t>WBRI</t></is><v>Zebedee 9434765919</v></c>',
    )
    table = _read(data)["Children"]
    assert table.notes == []
    assert "Zebedee 9434765919" not in _rows(table)[0]
