"""Write canonical frames in a council's dialect by inverting its profile."""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd

from data_contracts.profiles import Profile, TableMapping
from data_contracts.tables import TABLES

IGNORED_ORDER = {"DOB": 0, "UPN": 1, "MOTHER": 2, "MC_DOB": 3, "NHS_NUMBER": 4}
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@cache
def date_columns(table: str) -> frozenset[str]:
    return frozenset(c.name for c in TABLES[table].columns if c.sql_type == "DATE")


def format_date(iso: str, fmt: str) -> str:
    """Format an ISO date (or an impossible y-m-d) with strftime-style %Y %m %d %b, locale-free."""
    year, month, day_ = iso.split("-")
    return (
        fmt.replace("%Y", year)
        .replace("%m", month)
        .replace("%d", day_)
        .replace("%b", MONTHS[int(month) - 1])
    )


FIRST_DAY, LAST_DAY = np.datetime64("1980-01-01"), np.datetime64("2080-01-01")


@cache
def _date_lookup(fmt: str) -> np.ndarray:
    days = np.arange(FIRST_DAY, LAST_DAY).astype(str)
    return np.array([format_date(iso, fmt) for iso in days] + [None], dtype=object)


def format_dates(values: pd.Series, fmt: str) -> pd.Series:
    """ISO dates (all real, before any defect) in the dialect's format, through a lookup."""
    if fmt == "%Y-%m-%d":
        return values
    parsed = pd.to_datetime(values, format="%Y-%m-%d").to_numpy().astype("datetime64[D]")
    index = (parsed - FIRST_DAY).astype("int64")
    index = np.where(np.isnat(parsed), -1, index)
    return pd.Series(_date_lookup(fmt)[index], index=values.index, dtype=object)


def _digits(rng: np.random.Generator, n: int, width: int) -> np.ndarray:
    return np.char.zfill(rng.integers(0, 10**width, n).astype(str), width).astype(object)


def fill_ignored(
    rng: np.random.Generator,
    column: str,
    frame: pd.DataFrame,
    dobs: pd.Series | None,
    profile: Profile,
) -> np.ndarray:
    """Values for source columns the ingestion drops (fake identifiers, repeated birth dates)."""
    n = len(frame)
    child = frame["child_id"] if "child_id" in frame else pd.Series([""] * n)
    if column == "UPN":  # a letter and 12 digits, like a real UPN; random, never a real one
        letters = np.array(list("ABCDEFGHJKLMNPQRTUVWXYZ"))[rng.integers(0, 23, n)]
        return np.char.add(letters, _digits(rng, n, 12).astype(str)).astype(object)
    if column == "NHS_NUMBER":
        return _digits(rng, n, 10)
    if column == "MOTHER":
        return np.where(frame.get("sex", pd.Series(dtype=object)).isin(["2", "F"]), "0", None)
    if column == "DOB" and dobs is not None:
        return format_dates(child.map(dobs), profile.date_format).to_numpy()
    return np.full(len(frame), None, dtype=object)


def to_dialect(
    rng: np.random.Generator,
    table: str,
    frame: pd.DataFrame,
    mapping: TableMapping,
    profile: Profile,
    dobs: pd.Series | None,
) -> pd.DataFrame:
    dates = date_columns(table)
    out = {}
    for source, canonical in mapping.columns.items():
        values = frame[canonical]
        if canonical in dates:
            values = format_dates(values, profile.date_format)
        if canonical in mapping.recode:
            inverse = {c: s for s, c in mapping.recode[canonical].items()}
            values = values.map(inverse).where(values.isin(list(inverse)), values)
        out[source] = values.to_numpy(dtype=object)
    for column in sorted(mapping.ignore, key=lambda c: (IGNORED_ORDER.get(c, 9), c)):
        out[column] = fill_ignored(rng, column, frame, dobs, profile)
    result = pd.DataFrame(out, dtype=object)  # text as sent; no string-dtype inference
    if "DOB" in mapping.ignore:  # the 903 puts DOB straight after CHILD
        result = result[[result.columns[0], "DOB", *[c for c in result.columns[1:] if c != "DOB"]]]
    return result
