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
Saves: about a fifth of validation time for the column summaries (bench/NOTES.md, "Earlier
sessions"); 2.4 of 6.3 CPU s of validation on the 104k set for the messages.
On an upgrade of pandera: tests/platform/test_private_members.py fails if either member is
gone or renamed; tests/ingest/test_validate_backend.py checks that validation still reports the
same failures with and without these. Drop them if pandera stops building the summaries or the
messages eagerly.
"""

from __future__ import annotations

from functools import cache

import pandas as pd
import pandera.backends.pandas.base as pandas_base
import pandera.pandas as pa
from pandera.backends.pandas.components import ColumnBackend
from pandera.errors import FailureCaseMetadata


class ColumnBackendWithoutSummary(ColumnBackend):
    """pandera's column backend, without the summary of failure cases it builds each time a
    column's errors are raised (twice per column), only for the frame to collect the errors and
    summarise them all again. Only the frame's summary is read here; the column ones were about
    a fifth of validation time."""

    def failure_cases_metadata(self, schema_name, schema_errors) -> FailureCaseMetadata:
        return FailureCaseMetadata(failure_cases=None, message={}, error_counts={})


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
    pandas_base.format_vectorized_error_message = message_without_values
