"""Validation skips pandera's per-column summaries of failure cases and its messages listing every
failing value (pipelines/platform/pandera_backend.py): the frame's summary, the one rejections are
built from, must stay exactly pandera's own, and no message carries a value."""

import pandas as pd
import pandera.backends.pandas.base as pandas_base
import pandera.pandas as pa
import pytest
from pandera.backends.pandas.components import ColumnBackend
from pandera.backends.pandas.error_formatters import format_vectorized_error_message

from pipelines.platform.pandera_backend import (
    ColumnBackendWithoutSummary,
    use_lean_pandera_backend,
)

SCHEMA = pa.DataFrameSchema(
    {
        "code": pa.Column(str, [pa.Check.isin(["A", "B"]), pa.Check.str_length(1, 1)]),
        "n": pa.Column(int, pa.Check.ge(0)),
        "note": pa.Column(str, nullable=True),
        "day": pa.Column(str, nullable=False),
    },
    checks=pa.Check(lambda f: f["n"] < 10, name="n_below_ten"),
    unique=["code", "n"],
)
FRAME = pd.DataFrame(
    {
        "code": ["A", "C", "BB", "A", "A"],
        "n": [1, -2, 3, 1, 12],
        "note": [None, "x", None, "y", None],
        "day": ["2020-01-01", None, "2020-01-03", "2020-01-04", None],
    }
)


def failure_cases() -> pd.DataFrame:
    with pytest.raises(pa.errors.SchemaErrors) as errors:
        SCHEMA.validate(FRAME, lazy=True)
    return errors.value.failure_cases


def test_frame_failure_cases_are_pandera_own():
    try:
        for frame_type in (pd.DataFrame, pd.Series):
            pa.Column.register_backend(frame_type, ColumnBackend, force=True)
        pandas_base.format_vectorized_error_message = format_vectorized_error_message
        expected = failure_cases()
        use_lean_pandera_backend.cache_clear()
        use_lean_pandera_backend()
        assert pa.Column.get_backend(FRAME).__class__ is ColumnBackendWithoutSummary
        found = failure_cases()
    finally:
        use_lean_pandera_backend.cache_clear()
        use_lean_pandera_backend()
    assert {"isin(['A', 'B'])", "str_length(1, 1)", "greater_than_or_equal_to(0)",
            "not_nullable", "n_below_ten", "multiple_fields_uniqueness"} <= set(expected["check"])  # fmt: skip
    pd.testing.assert_frame_equal(found, expected)


def test_messages_count_failures_and_show_no_value():
    use_lean_pandera_backend()
    with pytest.raises(pa.errors.SchemaErrors) as errors:
        SCHEMA.validate(FRAME.assign(code=["A", "SECRET-1", "SECRET-2", "A", "A"]), lazy=True)
    text = str(errors.value) + " ".join(str(e) for e in errors.value.schema_errors)
    assert "SECRET" not in text
    assert "2 failure cases (values not shown)" in text
