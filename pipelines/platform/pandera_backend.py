"""pandera's pandas backend without the failure summaries and messages nobody here reads.

Replaces, for the whole process:
- `pandera.backends.pandas.components.ColumnBackend.failure_cases_metadata` (registered with
  `pa.Column.register_backend(..., force=True)`). pandera builds that summary each time a
  column's errors are raised (twice per column), only for the frame to collect the errors and
  summarise them all again; only the frame's summary is read here.
- `pandera.backends.pandas.base.format_vectorized_error_message` (the name `run_check` calls).
  pandera writes every failing value of a check into its error message: on the public 104k set,
  74k review dates, 2.3 M values turned into one string each. Only the failure-case frame is
  read here, and a message full of children's raw values is one log line away from a leak: ours
  gives the check and how many cases failed, never the values.
- `pandera.backends.pandas.checks.PandasCheckBackend.postprocess_table_with_field_output`
  (registered with `pa.Check.register_backend(pd.DataFrame, ..., force=True)`). A frame-level
  check that fails on a row is reported by pandera once per column of that row, with the row's
  values (its child id and date of birth among them): 2.3 M failure cases on the 104k set for
  222k failing rows, each then de-duplicated again by row. Rejections read only which check
  failed on which row, so ours reports each failing row once, with no value.
Saves: about a fifth of validation time for the column summaries (bench/NOTES.md, "Earlier
sessions"); 2.4 of 6.3 CPU s of validation on the 104k set for the messages; for one case per
row, see bench/NOTES.md "2026-12-06".
On an upgrade of pandera: tests/platform/test_private_members.py fails if any of these members
is gone or renamed; tests/ingest/test_validate_backend.py checks that validation still reports
the same failures (for a frame-level check: the same rows) with and without these. Drop them if
pandera stops building the summaries or the messages eagerly, or reports a frame check per row.
"""

from __future__ import annotations

from functools import cache

import pandas as pd
import pandera.backends.pandas.base as pandas_base
import pandera.pandas as pa
from pandera.api.base.checks import CheckResult
from pandera.backends.pandas.checks import PandasCheckBackend
from pandera.backends.pandas.components import ColumnBackend
from pandera.errors import FailureCaseMetadata


class ColumnBackendWithoutSummary(ColumnBackend):
    """pandera's column backend, without the summary of failure cases it builds each time a
    column's errors are raised (twice per column), only for the frame to collect the errors and
    summarise them all again. Only the frame's summary is read here; the column ones were about
    a fifth of validation time."""

    def failure_cases_metadata(self, schema_name, schema_errors) -> FailureCaseMetadata:
        return FailureCaseMetadata(failure_cases=None, message={}, error_counts={})


class CheckBackendWithOneCasePerRow(PandasCheckBackend):
    """pandera's check backend, except that a frame-level check reports each failing row once
    (failure case `False`, the check's output there), not once per column with its values."""

    def postprocess_table_with_field_output(self, check_obj, check_output) -> CheckResult:
        check_output = check_output.astype(bool)
        aligned = check_obj.index.equals(check_output.index)
        if aligned and self.check.ignore_na:  # as pandera: a wholly blank row passes
            check_output = check_output | check_obj.isna().all(axis="columns")
        passed = bool(check_output.all())
        failure_cases = None
        if aligned and not passed:
            failure_cases = check_output[~check_output].head(self.check.n_failure_cases)
        return CheckResult(check_output, passed, check_obj, failure_cases)


def message_without_values(parent_schema, check, check_index: int, reshaped_failure_cases) -> str:
    """pandera's message for a failed vectorised check, with a count in place of the values."""
    return (
        f"{parent_schema.__class__.__name__} '{parent_schema.name}' failed element-wise "
        f"validator number {check_index}: {check}: {len(reshaped_failure_cases)} failure cases "
        "(values not shown)"
    )


@cache
def use_lean_pandera_backend() -> None:
    for frame_type in (pd.DataFrame, pd.Series):
        pa.Column.register_backend(frame_type, ColumnBackendWithoutSummary, force=True)
    pa.Check.register_backend(pd.DataFrame, CheckBackendWithOneCasePerRow, force=True)
    pandas_base.format_vectorized_error_message = message_without_values
