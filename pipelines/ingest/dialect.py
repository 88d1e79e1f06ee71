"""Map a raw export table onto its canonical table, using the dialect profile.

Renames columns, recodes local values onto canonical codes (spelled exactly as the profile
spells them: one in other letters is read, with a query, by validate._codes_in_capitals), trims
blanks to missing, and writes dates in ISO form. A date that does not parse *exactly* in the
dialect's format is left as sent, so the contract rejects it and the council sees its own value
(unless it is ISO text already: see normalise_dates).
"""

from __future__ import annotations

import re
from datetime import date

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from data_contracts.checks import arrow_text, parse_iso, text_series, without_midnight
from data_contracts.profiles import Profile, TableMapping
from data_contracts.tables import TABLES
from pipelines.ingest.validate import PART

CARRIED_COLUMNS = ("source_row", "file_name", PART)


def to_canonical(
    mapping: TableMapping,
    frame: pd.DataFrame,
    profile: Profile,
    decimal_comma: np.ndarray | None = None,
) -> pd.DataFrame:
    """`frame` holds one table's rows as sent, from one file or from several submissions of the
    same dialect stacked together (a column some files lack is missing in their rows).
    `decimal_comma` marks the rows whose amounts may be written 1234,50 (read_amounts)."""
    table = TABLES[mapping.table]
    out = pd.DataFrame(index=frame.index)
    for column in table.columns:
        source = mapping.source_column(column.name)
        if source is None or source not in frame.columns:
            out[column.name] = pd.Series(pd.NA, index=frame.index, dtype="str")
            continue
        values = _blank_to_missing(frame[source].astype("str").str.strip())
        if column.name in mapping.recode:
            values = values.replace(mapping.recode[column.name])
        if column.sql_type == "DATE":
            values = normalise_dates(values, profile)
        elif column.sql_type.startswith("DECIMAL"):
            values = read_amounts(values, decimal_comma)
        out[column.name] = values
    for carried in CARRIED_COLUMNS:
        out[carried] = frame[carried].to_numpy()
    return out


_NO_TEXT = pa.scalar(None, pa.string())


def _blank_to_missing(values: pd.Series) -> pd.Series:
    """`values.mask(values == "")`, in Arrow: pandas' mask goes value by value here."""
    text = arrow_text(values)
    return text_series(pc.if_else(pc.equal(text, ""), _NO_TEXT, text), like=values)


def normalise_dates(values: pd.Series, profile: Profile) -> pd.Series:
    """ISO text for dates written exactly in the dialect's format; anything else as sent.

    Excel cells that held real dates arrive as ISO text already and are kept. So is a date a
    CSV wrote yyyy-mm-dd though its dialect writes another format: the contract accepts it (it
    is unambiguous) and validate._iso_dates_in_text asks the council to fix its export. A text
    date in any other shape stays as sent and fails the contract. A midnight time after the
    date (`03/02/2015 00:00`, `2015-02-03 00:00:00`: a date cell saved with its time) is dropped
    first: the date is readable.
    """
    values = _without_midnight(values)
    text = values.astype("str")
    # a day or month of one digit, or a two-digit year, is read too (validate queries each)
    shapes = (profile.unpadded_date_pattern or profile.date_pattern, profile.two_digit_year_pattern)
    shaped = text.str.fullmatch("|".join(f"(?:{s})" for s in shapes if s)).fillna(False)
    # Series.where on text goes value by value; Arrow's if_else does not.
    shaped_text = text_series(
        pc.if_else(shaped.to_numpy(), arrow_text(text), _NO_TEXT), like=text
    )  # text.where(shaped)
    candidate = _rearranged_to_iso(shaped_text, profile.date_format)
    if candidate is None:  # a format the rearranging does not know: pandas parses it
        parsed = pd.to_datetime(shaped_text, format=profile.date_format, errors="coerce")
    else:
        parsed = parse_iso(candidate)
    # Arrow writes the ISO text in C++; pandas' strftime formats one value at a time.
    days = pa.array(parsed.to_numpy(), from_pandas=True).cast(pa.date32()).cast(pa.string())
    keep = (shaped & parsed.notna()).to_numpy()
    return text_series(pc.if_else(keep, days, arrow_text(values)), like=values)


# An amount as a spreadsheet formats it: a £ sign, thousands separated by commas (1,234.50) or,
# where decimals are written with a comma, by points or not at all (1.234,50 or 1234,50).
_POUND_SIGN = r"^(-?)£ ?"
# GBP for £ (before or after the amount), and brackets for a minus sign, as accounting formats
# write them: (£1,234.50) is -1234.50.
_CURRENCY_CODE = r"(?i)^(-?)GBP ?|\s?GBP$"
_BRACKETED = r"^\((.+)\)$"
_FORMATTED = r"[£,()]|(?i:gbp)"
_THOUSANDS = r"^-?\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?$"
_DECIMAL_COMMA = r"^-?(?:\d{1,3}(?:\.\d{3})+|\d+),\d{1,2}$"


def read_amounts(values: pd.Series, decimal_comma: np.ndarray | None = None) -> pd.Series:
    """Amounts in pounds as the contract reads them (1234.50) from what a spreadsheet may have
    made of them: the £ sign (or GBP) left out, brackets read as a minus sign, thousands
    separators removed, and in rows marked
    `decimal_comma` the comma read as the decimal point (never in other rows, where 1,234 is a
    thousand and more). validate._read_but_queried queries each row so read; anything else
    stays as sent, for the contract to judge."""
    text = arrow_text(values)
    if not pc.any(pc.match_substring_regex(text, _FORMATTED)).as_py():
        return values
    text = pc.replace_substring_regex(text, _CURRENCY_CODE, r"\1")
    text = pc.replace_substring_regex(text, _BRACKETED, r"-\1")
    text = pc.replace_substring_regex(text, _POUND_SIGN, r"\1")
    comma_rows = pa.array(np.zeros(len(text), bool) if decimal_comma is None else decimal_comma)
    decimals = pc.and_(
        comma_rows, pc.fill_null(pc.match_substring_regex(text, _DECIMAL_COMMA), False)
    )
    grouped = pc.and_(
        pc.invert(comma_rows), pc.fill_null(pc.match_substring_regex(text, _THOUSANDS), False)
    )
    read = pc.if_else(grouped, pc.replace_substring(text, ",", ""), text)
    from_comma = pc.replace_substring(pc.replace_substring(text, ".", ""), ",", ".")
    return text_series(pc.if_else(decimals, from_comma, read), like=values)


def _without_midnight(values: pd.Series) -> pd.Series:
    """Dates saved with a midnight time, without it (checks.without_midnight)."""
    text = arrow_text(values)
    kept = without_midnight(text)
    return values if kept is text else text_series(kept, like=values)


_PARTS = {"%d": r"(?P<day>\d{1,2})", "%m": r"(?P<month>\d{1,2})", "%Y": r"(?P<year>\d{4}|\d{2})",
          "%b": r"(?P<month_name>[A-Za-z]{3})"}  # fmt: skip
_MONTH_NAMES = pa.array(["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
                         "Nov", "Dec"])  # fmt: skip


def _rearranged_to_iso(text: pd.Series, date_format: str) -> pd.Series | None:
    """yyyy-mm-dd text from dates in a day/month/year format such as %d/%m/%Y or %d-%b-%Y (a
    day or month of one digit padded), column-wise (parse_iso then decides which are real
    dates); None for other formats."""
    pattern = re.sub(r"%[a-zA-Z]|[^%]+", lambda m: _PARTS.get(m[0], re.escape(m[0])), date_format)
    if "%" in pattern or "year" not in pattern or "day" not in pattern:
        return None
    found = pc.extract_regex(arrow_text(text), f"^{pattern}$")
    if "month_name" in pattern:
        number = pc.add(pc.index_in(pc.struct_field(found, "month_name"), _MONTH_NAMES), 1)
        month = pc.utf8_lpad(pc.cast(number, pa.string()), 2, "0")
    else:
        month = pc.utf8_lpad(pc.struct_field(found, "month"), 2, "0")
    day = pc.utf8_lpad(pc.struct_field(found, "day"), 2, "0")
    year = _four_digit_year(pc.struct_field(found, "year"))
    iso = pc.binary_join_element_wise(year, month, day, "-")
    return text_series(iso, like=text)


def _four_digit_year(year: pa.Array) -> pa.Array:
    """A two-digit year in the century putting it nearest this year (in 2026: 99 as 1999, 27 as
    2027, which the no-future-dates rule then holds back as it would 2027 written in full);
    four-digit years as they are."""
    this_year = date.today().year
    short = pc.fill_null(pc.equal(pc.utf8_length(year), 2), False)
    if not pc.any(short).as_py():
        return year
    guess = pc.add(pc.cast(pc.if_else(short, year, None), pa.int32()), this_year // 100 * 100)
    guess = pc.if_else(pc.greater(guess, this_year + 50), pc.subtract(guess, 100), guess)
    guess = pc.if_else(pc.less_equal(guess, this_year - 50), pc.add(guess, 100), guess)
    return pc.if_else(short, pc.cast(guess, pa.string()), year)
