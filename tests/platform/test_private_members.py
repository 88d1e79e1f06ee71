"""The private members the platform workarounds (pipelines/platform/) rely on still exist, and the
Dagster behaviour the build sensor relies on (pipelines/defs/operations.py) still holds.

When one of these fails after an upgrade, read the module's docstring: it says what the
workaround replaces and what to check; remove the workaround if the platform no longer needs it.
"""

import inspect

import pytest


def test_dagster_sqlite_event_log_members():
    from dagster._core.storage.event_log import SqliteEventLogStorage
    from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS, create_db_conn_string

    for member in ("_connect", "_initdb", "wipe", "dispose"):
        assert callable(getattr(SqliteEventLogStorage, member, None)), member
    # overridden as a property: Dagster reads it as one
    assert isinstance(
        inspect.getattr_static(SqliteEventLogStorage, "supports_asset_checks"), property
    )
    assert SQLITE_BUSY_TIMEOUT_SECONDS > 0 and callable(create_db_conn_string)
    storage = SqliteEventLogStorage.__init__
    assert list(inspect.signature(storage).parameters)[:3] == ["self", "base_dir", "inst_data"]


def test_dagster_sqlite_event_log_attributes_set_in_init(tmp_path):
    from pipelines.platform.event_log import PooledSqliteEventLogStorage

    storage = PooledSqliteEventLogStorage(str(tmp_path))
    try:
        for attribute in ("_db_lock", "_initialized_dbs", "_base_dir"):
            assert hasattr(storage, attribute), attribute
        assert storage.supports_asset_checks is True
    finally:
        storage.dispose()


@pytest.mark.parametrize("member", ["_cli_version", "_initialize_dbt_core_adapter"])
def test_dagster_dbt_cli_resource_members(member):
    from dagster_dbt import DbtCliResource

    assert hasattr(DbtCliResource, member), member


def test_dagster_dbt_cli_version_is_still_a_cached_property():
    from functools import cached_property

    from dagster_dbt import DbtCliResource

    assert isinstance(inspect.getattr_static(DbtCliResource, "_cli_version"), cached_property)


def test_pandera_column_backend_members():
    from pandera.backends.pandas.components import ColumnBackend
    from pandera.errors import FailureCaseMetadata

    method = ColumnBackend.failure_cases_metadata
    assert list(inspect.signature(method).parameters) == ["self", "schema_name", "schema_errors"]
    assert {"failure_cases", "message", "error_counts"} <= set(
        inspect.signature(FailureCaseMetadata).parameters
    )


def test_pandera_vectorized_message_is_still_looked_up_in_base():
    """run_check calls `format_vectorized_error_message` by its name in pandas/base.py: the
    workaround replaces that name, so it must still be the one used there."""
    import pandera.backends.pandas.base as pandas_base
    from pandera.backends.pandas.base import PandasSchemaBackend

    assert hasattr(pandas_base, "format_vectorized_error_message")
    assert "format_vectorized_error_message" in inspect.getsource(PandasSchemaBackend.run_check)
    parameters = inspect.signature(pandas_base.format_vectorized_error_message).parameters
    assert list(parameters)[:4] == [
        "parent_schema", "check", "check_index", "reshaped_failure_cases"
    ]  # fmt: skip


def test_pandera_frame_check_postprocessing_is_still_one_method():
    """A frame-level check's output is post-processed by `postprocess_table_with_field_output`,
    which the one-case-per-row backend replaces; `CheckResult` still takes its four fields."""
    from pandera.api.base.checks import CheckResult
    from pandera.backends.pandas.checks import PandasCheckBackend

    method = PandasCheckBackend.postprocess_table_with_field_output
    assert list(inspect.signature(method).parameters) == ["self", "check_obj", "check_output"]
    assert "postprocess_table_with_field_output" in inspect.getsource(
        PandasCheckBackend.postprocess
    )
    assert CheckResult._fields == (
        "check_output", "check_passed", "checked_object", "failure_cases"
    )  # fmt: skip


def test_dagster_queue_hands_out_runs_in_the_order_they_were_created():
    """`build_after_loads` queues a build as soon as its batch's load runs exist, queued or not
    yet (pipelines/defs/operations.py `batch_states`): that is safe only while the queued-run
    daemon reads its queue in the order runs were created, not the order they were queued."""
    from dagster._daemon.run_coordinator.queued_run_coordinator_daemon import (
        QueuedRunCoordinatorDaemon,
    )

    source = inspect.getsource(QueuedRunCoordinatorDaemon)
    assert "RunsFilter(statuses=[DagsterRunStatus.QUEUED])" in source
    assert "ascending=True" in source
    assert "sorted is stable, so fifo is maintained" in source  # priority ties keep that order
