"""Day arithmetic for the simulation: dates are float day numbers (days since 1970-01-01).

Floats let NaN stand for "no date" in vectorised arithmetic; the frames get ISO text.
"""

from __future__ import annotations

from datetime import date

import numpy as np

EPOCH = date(1970, 1, 1)
TABLE_START = date(1980, 1, 1)
YEAR = 365.25


def day(d: date) -> int:
    return (d - EPOCH).days


def fy_start(year: int) -> int:
    """Day number of 1 April of the financial year that starts in `year`."""
    return day(date(year, 4, 1))


def fy_of(days: np.ndarray) -> np.ndarray:
    """Financial year (the calendar year it starts in) of each day number."""
    d = np.asarray(days, dtype="float64").astype("int64").astype("datetime64[D]")
    years = d.astype("datetime64[Y]").astype(int) + 1970
    months = d.astype("datetime64[M]").astype(int) % 12 + 1
    return np.where(months >= 4, years, years - 1)


def month_start(days: np.ndarray) -> np.ndarray:
    d = np.asarray(days, dtype="float64").astype("int64").astype("datetime64[D]")
    return d.astype("datetime64[M]").astype("datetime64[D]").astype("int64").astype("float64")


class IsoTable:
    """Vectorised day number -> ISO text, through a lookup table of every day in range."""

    def __init__(self, last: date) -> None:
        self.first = day(TABLE_START)
        days = np.arange(self.first, day(last) + 15000, dtype="int64").astype("datetime64[D]")
        self.text = np.concatenate([days.astype(str).astype(object), np.array([None], object)])

    def __call__(self, days: np.ndarray) -> np.ndarray:
        days = np.asarray(days, dtype="float64")
        missing = np.isnan(days)
        index = np.where(missing, -1, np.nan_to_num(days) - self.first).astype("int64")
        if (index[~missing] < 0).any() or (index >= len(self.text) - 1).any():
            raise ValueError("date outside the demo's date table")
        return self.text[index]
