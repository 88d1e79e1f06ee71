"""Values a report repeats: code-like ones as sent, anything else by its shape, the same whether
the text is all ASCII (the fast patterns) or not (the Unicode ones)."""

import re

import pandas as pd
import pytest

from pipelines.ingest.redact import code_like_or_shape, safe_text, shape

# Python's own reading of the rules, value by value: what the Arrow patterns must agree with.
PY_CODE_LIKE = re.compile(r"[^\s]{1,8}")
PY_DATE_LIKE = re.compile(r"\d{1,4}[/.\-]\d{1,2}[/.\-]\d{1,4}")
PY_NUMBER_LIKE = re.compile(r"[\d\s.,:/+\-£]{1,20}")
PY_POSTCODE_LIKE = re.compile(r"[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}", re.IGNORECASE)


def _py_code_form(value: str) -> bool:
    """A code's form: a digit in it, or at most four characters in one case; no '@'."""
    one_case = value == value.upper() or value == value.lower()
    return "@" not in value and (
        any(c.isdecimal() for c in value) or (len(value) <= 4 and one_case)
    )


def _py_shown(value: str, numbers_and_dates: bool) -> bool:
    if (PY_CODE_LIKE.fullmatch(value) and _py_code_form(value)
            and not (PY_DATE_LIKE.fullmatch(value) or PY_POSTCODE_LIKE.fullmatch(value))):  # fmt: skip
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
         "14/07/13", "12345678", "ZZ99ZZ", "zz99zz", "SW1A1AA", "E11AA", "PR1", "Zelda", "WBRI",
         "wbri", "Anna", "z@q.io", "SMITHSON"]  # fmt: skip
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


def test_a_postcode_without_its_space_in_a_code_column_is_shown_by_its_shape():
    """One short word passes for a code, but not when it is shaped like a postcode: 'ZZ99ZZ' in
    SEX was repeated as sent."""
    sent = pd.Series(["ZZ99ZZ", "zz9 9zz", "SW1A1AA", "M", "WBRI1", "PR1"], dtype="object")
    expected = ["AA99AA", "aa9 9aa".replace("a", "A"), "AA9A9AA", "M", "WBRI1", "PR1"]
    assert code_like_or_shape(sent).tolist() == expected
    assert code_like_or_shape(sent, numbers_and_dates=True).tolist() == expected


@pytest.mark.parametrize(
    ("sent", "shown"),
    [
        ("Comments", "Comments"),  # ordinary header words as sent
        ("MC_DOB", "MC_DOB"),
        ("reference_data", "reference_data"),
        ("NHS 9434765919", "NHS 9999999999"),  # an NHS number, whole or 3-3-4
        ("Ref 943 476 5919", "Ref 999 999 9999"),
        ("943-476-5919", "999-999-9999"),
        ("ZQ9434765919", "ZQ9999999999"),  # digits inside a word
        ("A123456789012", "A999999999999"),  # a UPN
        ("pupil a123456789012", "pupil A999999999999"),
        ("ZZ9 9ZZ", "AA9 9AA"),  # a postcode, with its space or without
        ("zz99zz", "AA99AA"),
        ("Home_SW1A 1AA", "Home_AA9A 9AA"),
        ("Born 28/09/2010", "Born 99/99/9999"),  # dates, however written
        ("2010-09-28", "9999-99-99"),
        ("28-Sep-2010", "99-AAA-9999"),
        ("28 September 2010", "99 AAAAAAAAA 9999"),
        ("Sep 28, 2010", "AAA 99, 9999"),
        ("28.09.2010", "99.99.9999"),
        ("20100928", "99999999"),
        ("07700 900123", "99999 999999"),  # a phone number
        ("2026-11-01_x\x07", "9999-99-99_x?"),  # a control character
        ("Q1 2024", "Q1 2024"),  # four digits: a year
    ],
)
def test_council_text_keeps_its_words_and_shows_identifiers_by_their_shape(sent, shown):
    assert safe_text(sent) == shown


def test_council_text_is_cut():
    assert safe_text("x" * 500) == "x" * 80 + "..."
