"""What the contracts protect never reaches a message, a report or a log in clear.

A rejected value of a protected column (child ids, dates of birth, postcodes) is shown by its
shape only, as a form would describe it: 9 for each digit, A for each letter, other characters as
sent; '31/02/2019' -> '99/99/9999', 'AB1 2CD' -> 'AA9 9AA'. That tells a council's data officer
what went wrong (a US-style date, a missing zero) without telling anyone else whose record it is.

Any other column's rejected value is repeated as sent only when it is code-like (one short word
of a code's form: with a digit, or of at most four characters in one case, never with an '@';
'W BRI' and 'Zelda' are not, 'WBRI1' and 'wbri' are; and not shaped like a postcode: 'ZZ99ZZ' is
a postcode sent without its space, shown as 'AA99AA'), or, in a date or number column, a number
or date of fewer than ten digits; anything else may be a name, a note, a date of birth or an NHS
number typed into the wrong column, and is shown by its shape too.

Text a council controls that is not a value (a header, a file, folder or sheet name, a setting in
submission.yaml) is quoted through `safe_text` (data_contracts/council_text.py): its ordinary words
as sent, any token that could be an identifier by its shape.
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from data_contracts.checks import arrow_text
from data_contracts.council_text import safe_text as safe_text  # for the pipeline's messages
from data_contracts.profiles import TableMapping
from data_contracts.tables import TABLES

SHOWN_CHARACTERS = 40
# A spreadsheet's error text is not anyone's data: shown as it is, so a council sees its #N/A.
SPREADSHEET_ERRORS = r"^#(?:N/A|REF!|VALUE!|DIV/0!|NAME\?|NUM!|NULL!|SPILL!|CALC!|GETTING_DATA)$"


def protected_sources(mapping: TableMapping) -> set[str]:
    """The council's column names whose values are protected in this table."""
    protected = {
        c.name for c in TABLES[mapping.table].columns
        if c.privacy is not None or c.name == "date_of_birth"
    }  # fmt: skip
    return {source for source, canonical in mapping.columns.items() if canonical in protected}


# One word of up to 8 characters (every code in the layouts is shorter) but not a date; in a date
# or number column also digits with the punctuation of numbers, money and dates, fewer than
# SHOWN_DIGITS of them (an NHS number has ten). RE2 (Arrow's regex engine) spelling of Python's
# Unicode \s and \d, so a non-breaking space still splits words.
_SPACE = r"\s\v\p{Z}\x1c-\x1f\x85"
CODE_LIKE = rf"^[^{_SPACE}]{{1,8}}$"
# ... and a code's form, not a name's or an email's (red-team probe: 'Zelda', 'Smithson' and
# 'z@q.io' passed as one short word): with a digit in it (E11, SDQ1), or of at most four
# characters in one case (WBRI, REFU, m); never with an '@'. 'Female' is shown as 'AAAAAA'.
CODE_FORM = (rf"^(?:[^{_SPACE}@]*\p{{Nd}}[^{_SPACE}@]*|[^{_SPACE}@\p{{Ll}}]{{1,4}}"
             rf"|[^{_SPACE}@\p{{Lu}}]{{1,4}})$")  # fmt: skip
NUMBER_LIKE = rf"^[\p{{Nd}}{_SPACE}.,:/+\-£]{{1,20}}$"
DATE_LIKE = r"^\p{Nd}{1,4}[/.\-]\p{Nd}{1,2}[/.\-]\p{Nd}{1,4}$"
# A UK postcode written as one word (ZZ99ZZ, SW1A1AA): short enough to pass for a code, so it is
# excluded by name. (A UPN, a letter and 12 digits, or an NHS number is never one short word.)
POSTCODE_LIKE = r"(?i)^[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}$"
SHOWN_DIGITS = 10
_DIGIT = r"\p{Nd}"
_NOT_DIGIT = r"\P{Nd}"
_LETTER = r"[\pL\p{Nl}\p{No}]"  # what Python's [^\W\d_] matches: letters, other numerals
# The same for text all in ASCII, the usual case. RE2 builds a Unicode class's automaton on every
# call, which cost more than the matching.
_ASCII_SPACE = r"\s\v\x1c-\x1f"
_ASCII = {
    CODE_LIKE: rf"^[^{_ASCII_SPACE}]{{1,8}}$",
    CODE_FORM: (
        rf"^(?:[^{_ASCII_SPACE}@]*[0-9][^{_ASCII_SPACE}@]*|[^{_ASCII_SPACE}@a-z]{{1,4}}"
        rf"|[^{_ASCII_SPACE}@A-Z]{{1,4}})$"
    ),
    NUMBER_LIKE: rf"^[0-9{_ASCII_SPACE}.,:/+\-]{{1,20}}$",
    DATE_LIKE: r"^[0-9]{1,4}[/.\-][0-9]{1,2}[/.\-][0-9]{1,4}$",
    POSTCODE_LIKE: POSTCODE_LIKE,
    _DIGIT: "[0-9]",
    _NOT_DIGIT: "[^0-9]",
    _LETTER: "[A-Za-z]",
}
TYPED = ("DATE", "DECIMAL", "INTEGER")


def typed_sources(mapping: TableMapping) -> set[str]:
    """The council's column names that hold dates or numbers in this table."""
    typed = {c.name for c in TABLES[mapping.table].columns if c.sql_type.startswith(TYPED)}
    return {source for source, canonical in mapping.columns.items() if canonical in typed}


def code_like_or_shape(values: pd.Series, numbers_and_dates: bool = False) -> pd.Series:
    """Values of an unprotected column as a report may repeat them: code-like ones (and in a
    date or number column, numbers and dates) as sent, others by their shape."""
    text = arrow_text(values)
    ascii_only = _all_ascii(text)

    def matches(pattern: str) -> pa.Array:
        return pc.match_substring_regex(text, _pattern(pattern, ascii_only))

    code_like = pc.and_not(
        pc.and_not(pc.and_(matches(CODE_LIKE), matches(CODE_FORM)), matches(DATE_LIKE)),
        matches(POSTCODE_LIKE),
    )
    if numbers_and_dates:
        digits = pc.utf8_length(
            pc.replace_substring_regex(text, _pattern(_NOT_DIGIT, ascii_only), "")
        )
        number = pc.and_(matches(NUMBER_LIKE), pc.less(digits, SHOWN_DIGITS))
        code_like = pc.or_(code_like, number)
    code_like = pc.fill_null(code_like, True)
    if pc.all(code_like).as_py():
        return _as_objects(text)
    return _as_objects(pc.if_else(code_like, text, _shaped(text, ascii_only)))


def shape(values: pd.Series) -> pd.Series:
    """Each text's shape (digits 9, letters A), cut to SHOWN_CHARACTERS; missing stays missing."""
    text = arrow_text(values)
    return _as_objects(_shaped(text, _all_ascii(text)))


def _all_ascii(text: pa.Array) -> bool:
    return pc.all(pc.fill_null(pc.string_is_ascii(text), True)).as_py() is not False


def _pattern(pattern: str, ascii_only: bool) -> str:
    """The pattern's ASCII spelling for text all in ASCII."""
    return _ASCII[pattern] if ascii_only else pattern


def _shaped(text: pa.Array, ascii_only: bool) -> pa.Array:
    """Column-wise in Arrow: these run once per rule and column of every table validated, on a
    handful of values each time, where pandas' per-call cost was most of the work."""
    shaped = pc.replace_substring_regex(text, _pattern(_DIGIT, ascii_only), "9")
    shaped = pc.replace_substring_regex(shaped, _pattern(_LETTER, ascii_only), "A")
    long = pc.greater(pc.utf8_length(shaped), SHOWN_CHARACTERS)
    cut = pc.binary_join_element_wise(
        pc.utf8_slice_codeunits(shaped, 0, SHOWN_CHARACTERS), "...", ""
    )
    shaped = pc.if_else(long, cut, shaped)
    error = pc.fill_null(pc.match_substring_regex(text, SPREADSHEET_ERRORS), False)
    return pc.if_else(error, text, shaped)


def _as_objects(text: pa.Array) -> pd.Series:
    return pd.Series(text.to_numpy(zero_copy_only=False), dtype="object")


def shape_text(value: str) -> str:
    return shape(pd.Series([value], dtype="object")).iloc[0]
