"""What the contracts protect never reaches a message, a report or a log in clear.

A rejected value of a protected column (child ids, dates of birth, postcodes) is shown by its
shape only, as a form would describe it: 9 for each digit, A for each letter, other characters as
sent; '31/02/2019' -> '99/99/9999', 'AB1 2CD' -> 'AA9 9AA'. That tells a council's data officer
what went wrong (a US-style date, a missing zero) without telling anyone else whose record it is.

Any other column's rejected value is repeated as sent only when it is code-like (one short word,
such as 'W BRI' is not but 'WBRI1' is) or a number or date; anything longer may be a name or a
note typed into the wrong column, and is shown by its shape too.
"""

from __future__ import annotations

import pandas as pd

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


# One word of up to 8 characters (every code in the layouts is shorter), or digits with the
# punctuation of numbers, money and dates.
CODE_LIKE = r"[^\s]{1,8}|[\d\s.,:/+\-£]{1,20}"


def code_like_or_shape(values: pd.Series) -> pd.Series:
    """Values of an unprotected column as a report may repeat them: code-like ones as sent,
    others by their shape."""
    shown = values.astype("object").to_numpy(copy=True)
    code_like = values.astype("str").str.fullmatch(CODE_LIKE).fillna(False).to_numpy()
    to_shape = ~(code_like | values.isna().to_numpy())
    if to_shape.any():  # only those are shaped: most rejected values are short codes
        shown[to_shape] = shape(values[to_shape]).to_numpy()
    return pd.Series(shown, dtype="object")


def shape(values: pd.Series) -> pd.Series:
    """Each text's shape (digits 9, letters A), cut to SHOWN_CHARACTERS; missing stays missing."""
    text = values.astype("object").where(values.notna())
    shaped = (
        text.astype("str")
        .str.replace(r"\d", "9", regex=True)
        .str.replace(r"[^\W\d_]", "A", regex=True)
    )
    long = shaped.str.len() > SHOWN_CHARACTERS
    shaped = shaped.where(~long, shaped.str.slice(0, SHOWN_CHARACTERS) + "...")
    shaped = shaped.where(~text.astype("str").str.match(SPREADSHEET_ERRORS), text)
    return shaped.where(text.notna(), None).astype("object")


def shape_text(value: str) -> str:
    return shape(pd.Series([value], dtype="object")).iloc[0]
