"""Validation skips pandera's per-column summaries of failure cases and its messages listing every
failing value, and reports a failed frame-level check once per row (pipelines/platform/
pandera_backend.py): the frame's summary, the one rejections are built from, must tell exactly
what pandera's own tells (which check failed on which row and column), and nothing carries a
value of a row that failed a frame-level check."""

import pandas as pd
import pandera.backends.pandas.base as pandas_base
import pandera.pandas as pa
import pytest
from pandera.backends.pandas.checks import PandasCheckBackend
from pandera.backends.pandas.components import ColumnBackend
from pandera.backends.pandas.error_formatters import format_vectorized_error_message

from pipelines.platform.pandera_backend import (
    CheckBackendWithOneCasePerRow,
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
        "code": ["A", "C", "BB", "A", "A", "B", None],
        "n": [1, -2, 3, 1, 12, 15, None],
        "note": [None, "x", None, "y", None, "SECRET-3", None],
        "day": ["2020-01-01", None, "2020-01-03", "2020-01-04", None, "2020-01-06", None],
    }
)


def failure_cases() -> pd.DataFrame:
    with pytest.raises(pa.errors.SchemaErrors) as errors:
        SCHEMA.validate(FRAME, lazy=True)
    return errors.value.failure_cases


def pandera_own_failure_cases() -> pd.DataFrame:
    try:
        for frame_type in (pd.DataFrame, pd.Series):
            pa.Column.register_backend(frame_type, ColumnBackend, force=True)
        pa.Check.register_backend(pd.DataFrame, PandasCheckBackend, force=True)
        pandas_base.format_vectorized_error_message = format_vectorized_error_message
        return failure_cases()
    finally:
        use_lean_pandera_backend.cache_clear()
        use_lean_pandera_backend()


def test_the_lean_backends_are_the_ones_used():
    use_lean_pandera_backend()
    assert pa.Column.get_backend(FRAME).__class__ is ColumnBackendWithoutSummary
    assert pa.Check(lambda f: True).get_backend(FRAME) is CheckBackendWithOneCasePerRow


def test_column_failure_cases_are_pandera_own():
    expected = pandera_own_failure_cases()
    found = failure_cases()
    assert {"isin(['A', 'B'])", "str_length(1, 1)", "greater_than_or_equal_to(0)",
            "not_nullable", "multiple_fields_uniqueness"} <= set(expected["check"])  # fmt: skip
    column_level = expected["check"] != "n_below_ten"
    pd.testing.assert_frame_equal(
        found[found["check"] != "n_below_ten"].reset_index(drop=True),
        expected[column_level].reset_index(drop=True),
        check_dtype=False,  # ours names no column for a frame check, so `column` holds a None
    )


def test_a_frame_check_reports_each_failing_row_once_and_no_value():
    expected = pandera_own_failure_cases()
    found = failure_cases()
    pandera_rows = expected.loc[expected["check"] == "n_below_ten", "index"]
    ours = found[found["check"] == "n_below_ten"]
    # pandera: rows 4 and 5, once per column; the wholly blank row 6 passes, as in pandera
    assert sorted(pandera_rows.unique()) == [4, 5]
    assert ours["index"].tolist() == [4, 5]
    assert set(ours["schema_context"]) == {"DataFrameSchema"}
    assert ours["failure_case"].tolist() == [False, False]
    assert "SECRET" not in ours.to_string()


def test_messages_count_failures_and_show_no_value():
    use_lean_pandera_backend()
    with pytest.raises(pa.errors.SchemaErrors) as errors:
        SCHEMA.validate(
            FRAME.assign(code=["A", "SECRET-1", "SECRET-2", "A", "A", "B", None]), lazy=True
        )
    text = str(errors.value) + " ".join(str(e) for e in errors.value.schema_errors)
    assert "SECRET" not in text
    assert "2 failure cases (values not shown)" in text
