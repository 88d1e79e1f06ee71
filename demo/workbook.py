"""A minimal, fast XLSX writer: text cells only (inline strings), one sheet per frame.

xlsxwriter writes about 50,000 cells a second, too slow for a national demo with millions of
cells; this builds each sheet's XML with vectorised string operations. Zip entries carry a
fixed timestamp so the same data gives the same bytes.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np
import pandas as pd

STAMP = (1980, 1, 1, 0, 0, 0)
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    "{sheets}</Types>"
)  # fmt: skip
SHEET_TYPE = (
    '<Override PartName="/xl/worksheets/sheet{n}.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    "<sheets>{sheets}</sheets></workbook>"
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    "{rels}</Relationships>"
)
SHEET_REL = (
    '<Relationship Id="rId{n}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet{n}.xml"/>'
)
SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
SHEET_TAIL = "</sheetData></worksheet>"


def _letters(n: int) -> list[str]:
    out = []
    for i in range(n):
        name, i = "", i + 1
        while i:
            i, r = divmod(i - 1, 26)
            name = chr(65 + r) + name
        out.append(name)
    return out


def _sheet_xml(frame: pd.DataFrame) -> str:
    n = len(frame) + 1
    numbers = pd.Series(np.arange(1, n + 1).astype(str), dtype="str")
    header = pd.Series([str(c) for c in frame.columns], dtype="object")
    row_xml = '<row r="' + numbers + '">'
    for letter, (j, column) in zip(_letters(frame.shape[1]), enumerate(frame.columns), strict=True):
        values = pd.concat(
            [header.iloc[j : j + 1], frame[column].astype(object)], ignore_index=True
        )
        text = values.astype("str")
        if text.str.contains(r"[&<>]", regex=True).any():
            text = text.map(escape)
        cell = '<c r="' + letter + numbers + '" t="inlineStr"><is><t>' + text + "</t></is></c>"
        row_xml = row_xml + cell.where(values.notna().to_numpy(), "")
    return SHEET_HEAD + "".join((row_xml + "</row>").tolist()) + SHEET_TAIL


def write_workbook(path: Path, sheets: list[tuple[str, pd.DataFrame]]) -> None:
    names = "".join(
        f'<sheet name="{escape(name[:31])}" sheetId="{i}" r:id="rId{i}"/>'
        for i, (name, _) in enumerate(sheets, start=1)
    )
    parts = {
        "[Content_Types].xml": CONTENT_TYPES.format(
            sheets="".join(SHEET_TYPE.format(n=i) for i in range(1, len(sheets) + 1))
        ),
        "_rels/.rels": ROOT_RELS,
        "xl/workbook.xml": WORKBOOK.format(sheets=names),
        "xl/_rels/workbook.xml.rels": WORKBOOK_RELS.format(
            rels="".join(SHEET_REL.format(n=i) for i in range(1, len(sheets) + 1))
        ),
    }
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, text in parts.items():
            archive.writestr(zipfile.ZipInfo(name, STAMP), text, compress_type=zipfile.ZIP_DEFLATED)
        for i, (_, frame) in enumerate(sheets, start=1):
            info = zipfile.ZipInfo(f"xl/worksheets/sheet{i}.xml", STAMP)
            archive.writestr(info, _sheet_xml(frame), compress_type=zipfile.ZIP_DEFLATED)
