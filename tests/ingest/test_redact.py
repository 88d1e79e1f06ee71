"""Values a report repeats: code-like ones as sent, anything else by its shape, the same whether
the text is all ASCII (the fast patterns) or not (the Unicode ones)."""

import re

import pandas as pd
import pytest

from pipelines.ingest.redact import code_like_or_shape, shape

# Python's own reading of the rules, value by value: what the Arrow patterns must agree with.
PY_CODE_LIKE = re.compile(r"[^\s]{1,8}|[\d\s.,:/+\-£]{1,20}")


def _py_shape(value: str) -> str:
    if re.fullmatch(r"#(?:N/A|REF!|VALUE!|DIV/0!|NAME\?|NUM!|NULL!|SPILL!|CALC!|GETTING_DATA)",
                    value):  # fmt: skip
        return value
    shaped = re.sub(r"[^\W\d_]", "A", re.sub(r"\d", "9", value))
    return shaped if len(shaped) <= 40 else shaped[:40] + "..."


ASCII = ["31/02/2019", "AB1 2CD", "#N/A", "X1", "x" * 50, "2019-01-02 10:00", "Jane Smith",
         "A\x0bB", "WBRI1", "12,345.00", "E11", "a_b"]  # fmt: skip
UNICODE = ["Jo\xa0Bo", "é٣", "Zoë", "£27,000", "١٢/٠٣/٢٠١٩", "Ａ１"]


@pytest.mark.parametrize("values", [ASCII, ASCII + UNICODE], ids=["ascii", "unicode"])
def test_shapes_and_codes_agree_with_pythons_reading(values):
    sent = pd.Series([*values, None], dtype="object")
    assert shape(sent).tolist() == [*map(_py_shape, values), None]
    expected = [v if PY_CODE_LIKE.fullmatch(v) else _py_shape(v) for v in values]
    assert code_like_or_shape(sent).tolist() == [*expected, None]
