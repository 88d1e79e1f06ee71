"""Named checks shared by the contracts, registered once with pandera.

Dates reach the contracts as ISO text (the dialect step turns each source's dates into ISO and
leaves anything it could not parse exactly as sent), so a failed check shows the council's value.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import numpy as np
import pandas as pd
import pandera.extensions as extensions
import pyarrow as pa
import pyarrow.compute as pc

MONEY_PATTERN = r"^-?\d{1,12}(\.\d{1,2})?$"
ISO_DATE = r"^\d{4}-\d{2}-\d{2}$"
_NO_STRING = pa.scalar(None, pa.string())
_NO_TIME = pa.scalar(None, pa.timestamp("s"))


def arrow_text(series: pd.Series) -> pa.Array:
    """A pandas text column as an Arrow string array, for column-wise work in Arrow compute."""
    return pa.array(series.astype("str"), from_pandas=True, type=pa.string())


def without_midnight(text: pa.Array) -> pa.Array:
    """Dates saved with a midnight time (`03/02/2015 00:00`, `2015-02-03T00:00:00.000`), without
    it. The regex runs only when some value holds `00:00` (a plain search, ~1/10 of its cost):
    most columns have none."""
    if not pc.any(pc.match_substring(text, "00:00")).as_py():
        return text
    return pc.replace_substring_regex(text, _MIDNIGHT, r"\1")


_MIDNIGHT = r"^(.+?)[ T]00:00(?::00(?:\.0+)?)?$"


def text_series(values: pa.Array, like: pd.Series) -> pd.Series:
    """Arrow string results back as a pandas text column on `like`'s index (by position: a
    Series built from a Series would realign on the index instead)."""
    text = values.to_pandas()
    if text.dtype != "str":  # not an Arrow text type (all nulls, say): value by value
        return pd.Series(text.to_numpy(), index=like.index, dtype="str")
    # Arrow text is pandas' own str storage: no Python string per value on the way.
    return pd.Series(text.array, index=like.index, copy=False)


# Inside `dates_parsed_once`: each column's parsed dates, by the id of its values (held, so the
# id is not reused while the block lasts).
_PARSED: ContextVar[dict[int, tuple[object, np.ndarray]] | None] = ContextVar(
    "parsed", default=None
)


@contextmanager
def dates_parsed_once() -> Iterator[None]:
    """While a frame is validated, parse each date column once however many checks read it
    (real_date, the order and no-future rules: six parses of DECOM and DEC per episode)."""
    token = _PARSED.set({})
    try:
        yield
    finally:
        _PARSED.reset(token)


def parse_iso(series: pd.Series) -> pd.Series:
    """Strict ISO dates (yyyy-mm-dd) as datetimes; anything else is NaT: 2020-02-31, 2020-13-01,
    and also 2020-1-5 or full-width digits, which pandas' own parser would accept."""
    parsed = _PARSED.get()
    if parsed is None:
        return pd.Series(_parsed_values(series), index=series.index)
    values = series.array
    if id(values) not in parsed:
        parsed[id(values)] = (values, _parsed_values(series))
    return pd.Series(parsed[id(values)][1], index=series.index)


def _parsed_values(series: pd.Series) -> np.ndarray:
    text = arrow_text(series)
    text = pc.if_else(pc.match_substring_regex(text, ISO_DATE), text, _NO_STRING)
    parsed = pc.strptime(text, format="%Y-%m-%d", unit="s", error_is_null=True)
    # strptime rolls 31 February over into March: keep only dates on the day written.
    written_day = pc.cast(pc.utf8_slice_codeunits(text, 8, 10), pa.int64())
    parsed = pc.if_else(pc.equal(pc.day(parsed), written_day), parsed, _NO_TIME)
    return parsed.to_numpy(zero_copy_only=False)


@extensions.register_check_method(check_type="vectorized")
def real_date(series: pd.Series) -> pd.Series:
    """A real calendar date in the layout's date format (31/02/2020 and 2020-13-01 fail)."""
    return series.isna() | parse_iso(series).notna()


@extensions.register_check_method(check_type="vectorized")
def money(series: pd.Series) -> pd.Series:
    """Pounds with at most two decimal places, no currency sign or thousands separator."""
    return series.isna() | series.str.fullmatch(MONEY_PATTERN).fillna(False)


@extensions.register_check_method(check_type="vectorized")
def whole_number(series: pd.Series) -> pd.Series:
    return series.isna() | series.str.fullmatch(r"\d{1,6}").fillna(False)


def on_or_before(df: pd.DataFrame, earlier: str, later: str) -> pd.Series:
    """True where either date is missing or unparseable (reported elsewhere) or in order."""
    first, second = parse_iso(df[earlier]), parse_iso(df[later])
    return first.isna() | second.isna() | (first <= second)


def not_after_reference(df: pd.DataFrame, column: str) -> pd.Series:
    """No future dates: nothing may be later than the submission's reference date."""
    # One reference date per submission on every row: each distinct one is parsed once.
    codes, distinct = pd.factorize(df["reference_date"], use_na_sentinel=False)
    reference = pd.to_datetime(pd.Series(distinct, dtype="str"), format="%Y-%m-%d").to_numpy()
    value = parse_iso(df[column])
    return value.isna() | (value <= reference[codes])
