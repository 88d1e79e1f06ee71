"""Values a report repeats: code-like ones as sent, anything else by its shape, the same whether
the text is all ASCII (the fast patterns) or not (the Unicode ones)."""

import re

import pandas as pd
import pytest

from pipelines.ingest.redact import code_like_or_shape, shape

# Python's own reading of the rules, value by value: what the Arrow patterns must agree with.
PY_CODE_LIKE = re.compile(r"[^\s]{1,8}")
PY_DATE_LIKE = re.compile(r"\d{1,4}[/.\-]\d{1,2}[/.\-]\d{1,4}")
PY_NUMBER_LIKE = re.compile(r"[\d\s.,:/+\-£]{1,20}")


def _py_shown(value: str, numbers_and_dates: bool) -> bool:
    if PY_CODE_LIKE.fullmatch(value) and not PY_DATE_LIKE.fullmatch(value):
        return True
    digits = sum(c.isdecimal() for c in value)
    return numbers_and_dates and bool(PY_NUMBER_LIKE.fullmatch(value)) and digits < 10


def _py_shape(value: str) -> str:
    if re.fullmatch(r"#(?:N/A|REF!|VALUE!|DIV/0!|NAME\?|NUM!|NULL!|SPILL!|CALC!|GETTING_DATA)",
                    value):  # fmt: skip
        return value
    shaped = re.sub(r"[^\W\d_]", "A", re.sub(r"\d", "9", value))
    return shaped if len(shaped) <= 40 else shaped[:40] + "..."


ASCII = ["31/02/2019", "AB1 2CD", "#N/A", "X1", "x" * 50, "2019-01-02 10:00", "Jane Smith",
         "A\x0bB", "WBRI1", "12,345.00", "E11", "a_b", "943 476 5911", "9434765929", "1/7/2013",
         "14/07/13", "12345678"]  # fmt: skip
UNICODE = ["Jo\xa0Bo", "é٣", "Zoë", "£27,000", "١٢/٠٣/٢٠١٩", "Ａ１"]


@pytest.mark.parametrize("numbers_and_dates", [False, True], ids=["code column", "date column"])
@pytest.mark.parametrize("values", [ASCII, ASCII + UNICODE], ids=["ascii", "unicode"])
def test_shapes_and_codes_agree_with_pythons_reading(values, numbers_and_dates):
    sent = pd.Series([*values, None], dtype="object")
    assert shape(sent).tolist() == [*map(_py_shape, values), None]
    expected = [v if _py_shown(v, numbers_and_dates) else _py_shape(v) for v in values]
    assert code_like_or_shape(sent, numbers_and_dates).tolist() == [*expected, None]


def test_an_nhs_number_or_a_date_in_a_code_column_is_shown_by_its_shape():
    """A date of birth or an NHS number typed into a code column (PLACE_PROVIDER, URN) is never
    repeated; a mistyped date in a date column is, as long as it cannot be an NHS number."""
    sent = pd.Series(["14/07/2013", "943 476 5911", "9434765929", "PR9"], dtype="object")
    assert code_like_or_shape(sent).tolist() == ["99/99/9999", "999 999 9999", "9999999999", "PR9"]
    dated = code_like_or_shape(sent, numbers_and_dates=True).tolist()
    assert dated == ["14/07/2013", "999 999 9999", "9999999999", "PR9"]
