"""What reading a file gives: one `RawTable` per table it holds, every value text as sent, or a
`FileProblem` the council is told about; and the limits on what one file may hold."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from data_contracts.profiles import TableMapping
from pipelines.ingest.redact import safe_text

# Bounds on what one file may hold: bigger is refused whole, never loaded half-way. The largest
# export seen (a national 903 episodes file) is ~60 MB; the longest 903 value is under 100
# characters.
# Bounds on what one file may hold: bigger is refused whole, never loaded half-way. The largest
# export seen (a national 903 episodes file) is ~60 MB; the longest 903 value is under 100
# characters.
MAX_FILE_BYTES = 1024 * 2**20


MAX_FIELD_CHARS = 4096


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
