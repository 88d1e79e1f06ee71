"""The instance's event log (config/dagster.yaml selects pipelines.platform.event_log): runs' events
and asset checks are stored where Dagster's UI and a second process read them."""

import itertools
import os
import shutil
import subprocess
import sys

import dagster as dg

from pipelines.platform.event_log import PooledSqliteEventLogStorage
from pipelines.settings import PROJECT_ROOT


@dg.asset(check_specs=[dg.AssetCheckSpec("positive", asset="numbers")])
def numbers():
    yield dg.Output([1, 2, 3])
    yield dg.AssetCheckResult(passed=True, metadata={"rows": 3})


def test_events_stored_and_read_by_another_instance(tmp_path, monkeypatch):
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    shutil.copyfile(PROJECT_ROOT / "config" / "dagster.yaml", tmp_path / "dagster.yaml")
    with dg.DagsterInstance.from_config(str(tmp_path)) as writer:
        assert isinstance(writer.event_log_storage, PooledSqliteEventLogStorage)
        runs = [dg.materialize([numbers], instance=writer).run_id for _ in range(10)]
        with dg.DagsterInstance.from_config(str(tmp_path)) as reader:
            assert (tmp_path / "history" / "runs" / f"{runs[0]}.db").exists()
            # The writer has closed the first run's database since (it keeps the last 8 open).
            for instance, run_id in itertools.product((writer, reader), (runs[0], runs[-1])):
                kinds = {e.dagster_event.event_type_value
                         for e in instance.all_logs(run_id) if e.dagster_event}  # fmt: skip
                assert {"ASSET_MATERIALIZATION", "ASSET_CHECK_EVALUATION"} <= kinds
            record = reader.get_latest_materialization_event(dg.AssetKey("numbers"))
            assert record.run_id == runs[-1]
            check = reader.event_log_storage.get_latest_asset_check_execution_by_key(
                [dg.AssetCheckKey(dg.AssetKey("numbers"), "positive")]
            )
            assert next(iter(check.values())).run_id == runs[-1]
        writer.wipe()
        assert writer.get_latest_materialization_event(dg.AssetKey("numbers")) is None
        assert not list((tmp_path / "history" / "runs").glob(f"{runs[0]}.db"))


def test_a_home_set_up_before_the_move_follows_it(tmp_path):
    """A Dagster home prepared when the event log lived in pipelines/instance_storage.py."""
    from pipelines.platform.event_log import MODULE, OLD_MODULE, prepare_home

    prepare_home(tmp_path)
    settings = tmp_path / "dagster.yaml"
    settings.write_text(settings.read_text().replace(MODULE, OLD_MODULE))
    prepare_home(tmp_path)
    assert OLD_MODULE not in settings.read_text() and MODULE in settings.read_text()


WRITE_AND_EXIT = """
import dagster as dg
from tests.operations.test_instance_storage import numbers
instance = dg.DagsterInstance.get()
for _ in range(3):
    dg.materialize([numbers], instance=instance)
"""  # a process that never disposes its instance, as `raa run` does not


def test_a_process_that_ends_leaves_no_write_ahead_log_behind(tmp_path):
    """Each run's SQLite log was left with a 4 MB `-wal` file beside it (the engines were never
    closed): 4 MB a run, twice a night, for years."""
    shutil.copyfile(PROJECT_ROOT / "config" / "dagster.yaml", tmp_path / "dagster.yaml")
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path)}
    subprocess.run([sys.executable, "-c", WRITE_AND_EXIT], env=env, cwd=PROJECT_ROOT, check=True)
    logs = tmp_path / "history" / "runs"
    assert len(list(logs.glob("*.db"))) == 4  # three runs and the index
    assert not list(logs.glob("*-wal")) and not list(logs.glob("*-shm"))


@dg.asset
def other():
    return 1


@dg.asset(partitions_def=dg.StaticPartitionsDefinition(["NTH", "ASH"]))
def by_council():
    return 1


def test_pruning_keeps_every_run_holding_a_latest_materialisation_or_check(tmp_path, monkeypatch):
    """A run whose materialisation is the latest of an asset, of one council's partition, or of
    a check stays, however old; the others go, their log files with them."""
    from pipelines.defs.retention import runs_to_prune

    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    shutil.copyfile(PROJECT_ROOT / "config" / "dagster.yaml", tmp_path / "dagster.yaml")
    with dg.DagsterInstance.from_config(str(tmp_path)) as instance:
        numbers_runs = [dg.materialize([numbers], instance=instance).run_id for _ in range(3)]
        other_run = dg.materialize([other], instance=instance).run_id
        nth_1, ash, nth_2 = (dg.materialize([by_council], instance=instance, partition_key=p).run_id
                             for p in ("NTH", "ASH", "NTH"))  # fmt: skip
        checks = [dg.AssetCheckKey(dg.AssetKey("numbers"), "positive")]
        assert runs_to_prune(instance, 1, checks) == []  # none is a day old
        doomed = runs_to_prune(instance, -1, checks)  # as if all were
        assert sorted(doomed) == sorted([*numbers_runs[:2], nth_1])
        for run_id in doomed:
            instance.delete_run(run_id)
        logs = tmp_path / "history" / "runs"
        assert not [run for run in doomed if list(logs.glob(f"{run}.db*"))]
        assert (
            instance.get_latest_materialization_event(dg.AssetKey("numbers")).run_id
            == (numbers_runs[-1])
        )
        kept = {run.run_id for run in instance.get_runs()}
        assert kept == {numbers_runs[-1], other_run, ash, nth_2}
