"""Named checks shared by the contracts, registered once with pandera.

Dates reach the contracts as ISO text (the dialect step turns each source's dates into ISO and
leaves anything it could not parse exactly as sent), so a failed check shows the council's value.
"""

from __future__ import annotations

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


def text_series(values: pa.Array, like: pd.Series) -> pd.Series:
    """Arrow string results back as a pandas text column on `like`'s index (by position: a
    Series built from a Series would realign on the index instead)."""
    text = values.to_pandas()
    if text.dtype != "str":  # not an Arrow text type (all nulls, say): value by value
        return pd.Series(text.to_numpy(), index=like.index, dtype="str")
    # Arrow text is pandas' own str storage: no Python string per value on the way.
    return pd.Series(text.array, index=like.index, copy=False)


def parse_iso(series: pd.Series) -> pd.Series:
    """Strict ISO dates (yyyy-mm-dd) as datetimes; anything else is NaT: 2020-02-31, 2020-13-01,
    and also 2020-1-5 or full-width digits, which pandas' own parser would accept."""
    text = arrow_text(series)
    text = pc.if_else(pc.match_substring_regex(text, ISO_DATE), text, _NO_STRING)
    parsed = pc.strptime(text, format="%Y-%m-%d", unit="s", error_is_null=True)
    # strptime rolls 31 February over into March: keep only dates on the day written.
    written_day = pc.cast(pc.utf8_slice_codeunits(text, 8, 10), pa.int64())
    parsed = pc.if_else(pc.equal(pc.day(parsed), written_day), parsed, _NO_TIME)
    return pd.Series(parsed.to_numpy(zero_copy_only=False), index=series.index)


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
    reference = pd.to_datetime(df["reference_date"], format="%Y-%m-%d")
    value = parse_iso(df[column])
    return value.isna() | (value <= reference)
