"""Write one council's submission folder: CSV files, or one XLSX workbook for liquidlogic."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import xlsxwriter
import yaml

from data_contracts.profiles import load_profile
from pipelines.demo.defects import inject_defects
from pipelines.demo.dialects import to_dialect

FILE_NAMES_903 = {
    "children": "header.csv",
    "episodes": "episodes.csv",
    "adoption_decisions": "placed_for_adoption.csv",
    "adoption_matches": "ad1.csv",
    "reviews": "reviews.csv",
    "missing_episodes": "missing.csv",
    "previous_permanence": "prevperm.csv",
    "uasc": "uasc.csv",
    "health_outcomes": "oc2.csv",
    "care_leavers": "oc3.csv",
    "social_worker_episodes": "sw_episodes.csv",
}
WORKBOOK_NAME = "lcs_export.xlsx"


def file_name(dialect: str, table: str) -> str:
    if dialect == "ssda903":
        return FILE_NAMES_903.get(table, f"{table}.csv")
    return f"{table}.csv"


def write_submission(
    folder: Path,
    dialect: str,
    frames: dict[str, pd.DataFrame],
    *,
    meta: dict,
    rng: np.random.Generator,
    defect_rng: np.random.Generator,
    defect_rate: float,
    dobs: pd.Series | None = None,
) -> tuple[dict[str, int], int]:
    """Rows written per table (including duplicated defect rows) and the defective row count."""
    profile = load_profile(dialect)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "submission.yaml").write_text(yaml.safe_dump(meta, sort_keys=True), encoding="utf-8")
    rows, defects, sheets = {}, 0, []
    for table, frame in frames.items():
        mapping = profile.tables.get(table)
        if mapping is None:
            continue
        source = to_dialect(rng, table, frame, mapping, profile, dobs)
        source, bad = inject_defects(defect_rng, table, source, mapping, profile, defect_rate)
        defects += bad
        rows[table] = len(source)
        if profile.file_format == "xlsx":
            sheets.append((mapping.sheet or table, source))
        else:
            source.to_csv(
                folder / file_name(dialect, table),
                index=False,
                lineterminator="\n",
                encoding=profile.encoding,
                sep=profile.delimiter,
            )
    if sheets:
        _write_workbook(folder / WORKBOOK_NAME, sheets)
    return rows, defects


def _write_workbook(path: Path, sheets: list[tuple[str, pd.DataFrame]]) -> None:
    """Text cells only (dates as dd/mm/yyyy text, as the export sends them); fixed metadata so
    the same data gives the same bytes."""
    workbook = xlsxwriter.Workbook(
        str(path), {"constant_memory": True, "strings_to_numbers": False}
    )
    workbook.set_properties({"created": datetime(2026, 1, 1), "author": "raa demo-data"})
    try:
        for name, frame in sheets:
            sheet = workbook.add_worksheet(name[:31])
            sheet.write_row(0, 0, list(frame.columns))
            values = frame.astype(object).where(frame.notna(), None).to_numpy()
            for r, row in enumerate(values, start=1):
                for c, value in enumerate(row):
                    if value is not None:
                        sheet.write_string(r, c, value)
    finally:
        workbook.close()
