"""pandera's column backend without the per-column summary of failure cases.

Replaces: `pandera.backends.pandas.components.ColumnBackend.failure_cases_metadata`, for the
whole process (registered with `pa.Column.register_backend(..., force=True)`). pandera builds
that summary each time a column's errors are raised (twice per column), only for the frame to
collect the errors and summarise them all again; only the frame's summary is read here.
Saves: about a fifth of validation time (bench/NOTES.md, "Earlier sessions").
On an upgrade of pandera: tests/platform/test_private_members.py fails if the method or
`FailureCaseMetadata` is gone; tests/ingest/test_validate_backend.py checks that validation
still reports the same failures with and without it. Drop it if pandera stops building the
column summaries.
"""

from __future__ import annotations

from functools import cache

import pandas as pd
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


@cache
def use_column_backend_without_summary() -> None:
    for frame_type in (pd.DataFrame, pd.Series):
        pa.Column.register_backend(frame_type, ColumnBackendWithoutSummary, force=True)
