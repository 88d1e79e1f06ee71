"""Realistic defects in a small share of exported rows, so the demo shows rejections.

Applied to the dialect frame just before writing, from their own random stream: unknown or
lower-case codes, impossible dates (31 February), exact duplicate rows and missing required
values. The clean data does not depend on the defect rate.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from data_contracts.profiles import Profile, TableMapping
from data_contracts.tables import TABLES
from demo.dialects import date_columns, format_date

KINDS = ("code", "date", "duplicate", "missing")
WEIGHTS = np.array([0.3, 0.25, 0.2, 0.25])


def _bad_code(value) -> str:
    if isinstance(value, str) and value.lower() != value:
        return value.lower()
    return "ZZ9"


def inject_defects(
    rng: np.random.Generator,
    table: str,
    frame: pd.DataFrame,
    mapping: TableMapping,
    profile: Profile,
    rate: float,
) -> tuple[pd.DataFrame, int]:
    """The frame with defects in about `rate` of its rows, and the number of defective rows."""
    n = len(frame)
    k = min(n // 2, round(n * rate))
    if k == 0:
        return frame, 0
    columns = TABLES[table].columns
    by_kind = {
        "code": [s for s, c in mapping.columns.items() if _is_code(columns, c)],
        "date": [s for s, c in mapping.columns.items() if c in date_columns(table)],
        "duplicate": [None],
        "missing": [s for s, c in mapping.columns.items() if _is_required(columns, c)],
    }
    usable = np.array([bool(by_kind[kind]) for kind in KINDS])
    p = WEIGHTS * usable
    rows = np.sort(rng.choice(n, size=k, replace=False))
    kinds = np.array(KINDS)[rng.choice(len(KINDS), size=k, p=p / p.sum())]
    frame = frame.copy()
    impossible = format_date("2020-02-31", profile.date_format)
    for kind in ("code", "date", "missing"):
        targets = rows[kinds == kind]
        if not len(targets):
            continue
        which = rng.integers(0, len(by_kind[kind]), len(targets))
        for j, column in enumerate(by_kind[kind]):
            at = targets[which == j]
            if not len(at):
                continue
            col = frame.columns.get_loc(column)
            if kind == "code":
                frame.iloc[at, col] = [_bad_code(v) for v in frame.iloc[at, col]]
            elif kind == "date":
                frame.iloc[at, col] = impossible
            else:
                frame.iloc[at, col] = None
    duplicates = rows[kinds == "duplicate"]
    if len(duplicates):
        order = np.sort(np.concatenate([np.arange(n), duplicates]), kind="stable")
        frame = frame.iloc[order].reset_index(drop=True)
    return frame, k


def _is_code(columns, name: str) -> bool:
    return any(c.name == name and c.codes for c in columns)


def _is_required(columns, name: str) -> bool:
    return any(c.name == name and c.required for c in columns)
