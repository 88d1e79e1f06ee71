"""Write one council's submission folder: CSV files, or one XLSX workbook for liquidlogic."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import yaml

from data_contracts.profiles import load_profile
from demo.defects import inject_defects
from demo.dialects import to_dialect
from demo.workbook import write_workbook

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
            write_csv(folder / file_name(dialect, table), source, profile.delimiter)
    if sheets:
        write_workbook(folder / WORKBOOK_NAME, sheets)
    return rows, defects


def write_csv(path: Path, frame: pd.DataFrame, delimiter: str) -> None:
    """Unquoted CSV like the case systems write (pyarrow: fast); quoted only where needed."""
    table = pa.Table.from_pandas(frame.astype(object), preserve_index=False).cast(
        pa.schema([(c, pa.string()) for c in frame.columns])
    )
    options = pacsv.WriteOptions(delimiter=delimiter, quoting_style="none", include_header=False)
    try:
        body = pa.BufferOutputStream()
        pacsv.write_csv(table, body, options)
        header = delimiter.join(frame.columns) + "\n"
        path.write_bytes(header.encode() + body.getvalue().to_pybytes())
    except pa.ArrowInvalid:  # a value with a delimiter or quote in it
        frame.to_csv(path, index=False, lineterminator="\n", sep=delimiter)
