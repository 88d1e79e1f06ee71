"""Build small council submissions on disk for the ingestion tests."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl

from pipelines.ingest.landing import read_submission
from pipelines.ingest.submission import ingest_submissions

HEADER = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n"
EPISODES = "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\n"
GOOD_HEADER = HEADER + "C1,1,01/02/2019,WBRI,A123456789012,,\nC2,2,15/06/2020,BAFR,,,\n"
GOOD_EPISODES = EPISODES + (
    "C1,01/03/2020,S,C1,N1,U4,PR1,01/06/2020,X1,,EG19 7TT,WV27 9FW,SC123456\n"
    "C1,01/06/2020,L,C2,N1,U4,PR1,,,,EG19 7TT,WV27 9FW,SC123456\n"
    "C2,01/07/2021,S,V2,N4,U1,PR1,,,,AB1 2CD,,\n"
)

# A good submission of sentinels: ids, dates of birth, postcodes and a UPN that appear nowhere
# else, so the privacy walk can tell them from anything the warehouse may keep.
CHILDREN = [
    "ZQX70001,M,17/03/2019,WBRI,A123456789012,,\n",
    "ZQX70002,F,23/08/2020,BAFR,,,\n",
    "ZQX70003,M,29/11/2018,WBRI,,,\n",
]
EPISODE_ROWS = [
    "ZQX70001,01/03/2020,S,C1,N1,U4,PR1,01/06/2020,X1,,EG19 7TT,WV27 9FW,SC123456\n",
    "ZQX70001,01/06/2020,L,C2,N1,U4,PR1,,,,EG19 7TT,WV27 9FW,SC123456\n",
    "ZQX70002,01/07/2021,S,V2,N4,U1,PR1,,,,AB1 2CD,,\n",
    "ZQX70003,05/09/2021,S,V2,N4,U1,PR1,,,,,,\n",
]
GOOD = {"header.csv": HEADER + "".join(CHILDREN), "episodes.csv": EPISODES + "".join(EPISODE_ROWS)}
META = "reference_date: 2026-10-31\ncollection_year: 2025\n"


def write(folder: Path, files: dict[str, str | bytes], meta: str | bytes | None = META) -> None:
    """A submission folder holding `files` and, unless None, this submission.yaml."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode() if isinstance(content, str) else content)
    if meta is not None:
        (folder / "submission.yaml").write_bytes(meta.encode() if isinstance(meta, str) else meta)


def workbook(sheets: dict[str, list[list]]) -> bytes:
    """An XLSX file holding these sheets' rows."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def drop(landing: Path, council: str, submission: str, files: dict[str, bytes | str]) -> Path:
    folder = landing / council / submission
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        data = content.encode("utf-8") if isinstance(content, str) else content
        (folder / name).write_bytes(data)
    (folder / "submission.yaml").write_text("reference_date: 2026-10-31\n", encoding="utf-8")
    return folder


def ingest(con, settings, registry, council: str, folder: Path, **kw):
    """One council's submission through the nightly loader (a batch of one)."""
    due = [(registry.get(council), read_submission(council, folder))]
    return ingest_submissions(con, settings, registry, due, **kw)[0]


def ingest_files(con, settings, registry, council: str, files: dict[str, bytes | str],
                 submission: str = "s1"):  # fmt: skip
    """`files` dropped as one submission of `council` (drop), then loaded (ingest)."""
    return ingest(con, settings, registry, council,
                  drop(settings.landing_dir, council, submission, files))  # fmt: skip


def rules(outcome) -> dict[str, int]:
    return outcome.rejections.groupby("rule").size().to_dict()


def assert_accounted(outcome) -> None:
    """Every row a file held is accepted or rejected: none lost."""
    loads = outcome.file_loads
    assert (loads["rows_received"] == loads["rows_accepted"] + loads["rows_rejected"]).all()
