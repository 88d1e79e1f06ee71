"""Read a submission's files into raw text frames, one per recognised canonical table.

Every value stays text exactly as sent. Each frame keeps `source_row` (the row number a council
sees in a spreadsheet: the header is row 1) and `file_name`. The way through: `files` opens each
file (size, compression, encoding), `csv_text` or `workbook` reads its rows, `headers` recognises
the table and checks its columns, giving a `raw.RawTable` or a `raw.FileProblem`.
"""

from pipelines.ingest.read.files import read_file, read_submission_files
from pipelines.ingest.read.headers import recognise
from pipelines.ingest.read.raw import FileProblem, RaggedRow, RawTable, where

__all__ = [
    "FileProblem",
    "RaggedRow",
    "RawTable",
    "read_file",
    "read_submission_files",
    "recognise",
    "where",
]
