"""Run bench/floor.sql over a landing folder (its raw exports) and return its figures."""

from __future__ import annotations

import csv
import time
from pathlib import Path

import duckdb
import openpyxl

FLOOR_SQL = Path(__file__).with_name("floor.sql")
SHEETS = {"CLA Episodes": "episodes.csv", "Adoption Matches": "adoption_matches.csv"}
EPISODE_FILES = ("episodes.csv", "episodes.csv.gz")
MATCH_FILES = ("ad1.csv", "ad1.csv.gz", "adoption_matches.csv")
# Every dialect's column names, so a landing folder without some dialect still binds.
EPISODE_HEADERS = [
    *("CHILD", "DECOM", "DEC", "RNE", "LS", "PLACE", "REC"),
    *("PERSON_ID", "EPISODE_START_DATE", "EPISODE_END_DATE", "REASON_NEW_EPISODE"),
    *("LEGAL_STATUS", "PLACEMENT_TYPE", "REASON_EPISODE_CEASED", "ChildRef", "StartDate"),
    *("EndDate", "NewEpisodeReason", "LegalStatus", "PlacementCode", "EndReason"),
    *("Person ID", "Episode Start", "Episode End", "Reason New Episode", "Legal Status"),
    *("Placement Type", "Reason Episode Ended"),
]
MATCH_HEADERS = [
    *("CHILD", "DATE_MATCH", "FOSTER_CARE", "PERSON_ID", "MATCH_DATE"),
    *("ADOPTED_BY_FOSTER_CARER", "ChildRef", "MatchDate", "FosterCarerAdoption"),
    *("Person ID", "Match Date", "Foster Carer Adoption"),
]


def sheets_to_csv(landing: Path, out: Path) -> float:
    """CSV copies of the workbooks' episode and match sheets (once; returns the seconds spent)."""
    started = time.perf_counter()
    for workbook_path in sorted(landing.glob("*/*/*.xlsx")):
        target = out / workbook_path.parent.parent.name / workbook_path.parent.name
        if (target / "episodes.csv").exists():
            continue
        target.mkdir(parents=True, exist_ok=True)
        workbook = openpyxl.load_workbook(workbook_path, read_only=True, data_only=True)
        try:
            for sheet, name in SHEETS.items():
                if sheet in workbook.sheetnames:
                    with (target / name).open("w", newline="", encoding="utf-8") as handle:
                        csv.writer(handle).writerows(workbook[sheet].iter_rows(values_only=True))
        finally:
            workbook.close()
    for name, headers in (("episodes.csv", EPISODE_HEADERS), ("ad1.csv", MATCH_HEADERS)):
        empty = out / "_headers" / "_" / name
        empty.parent.mkdir(parents=True, exist_ok=True)
        empty.write_text(",".join(f'"{h}"' for h in headers) + "\n", encoding="utf-8")
    return time.perf_counter() - started


def globs(roots: list[Path], names: tuple[str, ...]) -> list[str]:
    """The patterns that match a file (DuckDB refuses a list with a pattern matching none)."""
    return [str(root / "*" / "*" / name) for root in roots for name in names
            if any(root.glob(f"*/*/{name}"))]  # fmt: skip


def run_floor(landing: Path, workdir: Path) -> dict:
    started = time.perf_counter()
    scorecard, xlsx_seconds = floor_scorecard(landing, workdir)
    wall = time.perf_counter() - started - xlsx_seconds
    this_year = time.gmtime().tm_year
    latest = max(
        (r for r in scorecard if r["council"] == "ALL" and r["window_end_year"] <= this_year),
        key=lambda r: r["window_end_year"],
        default=None,
    )
    return {
        "sql_wall": wall,
        "xlsx_to_csv_seconds": xlsx_seconds,
        "latest_window": {
            "end_year": latest["window_end_year"], "children": latest["children"],
            "a1": latest["a1_mean"], "a10": latest["a10_mean"], "a2": latest["a2_mean"],
        } if latest else {},
    }  # fmt: skip


def floor_scorecard(landing: Path, workdir: Path) -> tuple[list[dict], float]:
    """floor.sql's three-year figures per council (and 'ALL') over a landing folder's raw
    exports, with the seconds spent copying workbook sheets to CSV first."""
    sheets = workdir.parent / "floor_sheets"
    xlsx_seconds = sheets_to_csv(landing, sheets)
    con = duckdb.connect()
    try:
        con.execute("set variable episode_files = ?", [globs([landing, sheets], EPISODE_FILES)])
        con.execute("set variable match_files = ?", [globs([landing, sheets], MATCH_FILES)])
        con.execute(FLOOR_SQL.read_text(encoding="utf-8"))
        result = con.execute("select * from floor_scorecard order by all")
        names = [d[0] for d in result.description]
        rows = [dict(zip(names, row, strict=True)) for row in result.fetchall()]
    finally:
        con.close()
    return rows, xlsx_seconds
