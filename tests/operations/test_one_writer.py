"""`raa run` takes part in the one-writer queue the daemon keeps (config/dagster.yaml)."""

from __future__ import annotations

import threading
import time

import dagster as dg

from pipelines.definitions import WRITES_WAREHOUSE
from pipelines.run import wait_for_other_writers


def test_raa_run_waits_while_another_writer_runs_and_says_so_once():
    said: list[str] = []
    with dg.instance_for_test() as instance:
        other = dg.DagsterRun(job_name="build_warehouse", run_id="other-writer-run",
                              status=dg.DagsterRunStatus.STARTED, tags=WRITES_WAREHOUSE)  # fmt: skip
        instance.add_run(other)
        instance.add_run(dg.DagsterRun(job_name="check_something", run_id="a-reader",
                                       status=dg.DagsterRunStatus.STARTED))  # fmt: skip
        done = threading.Event()

        def wait() -> None:
            wait_for_other_writers(instance, said.append, poll_seconds=0.05)
            done.set()

        waiter = threading.Thread(target=wait)
        waiter.start()
        time.sleep(0.5)
        assert not done.is_set()
        assert said == [
            "waiting for run other-wr (build_warehouse, STARTED) to finish: the warehouse takes "
            "one writer at a time"
        ]
        instance.report_run_failed(other)  # it ends (however): the queue moves on
        assert done.wait(5)
        waiter.join()
        assert len(said) == 1  # said once, not once a poll


def test_a_materialisation_launched_by_hand_is_a_writer_too():
    """Runs of Dagster's implicit asset job carry no job tag: `raa run` waits for them as well,
    and the daemon's queue holds them through the warehouse pool."""
    said: list[str] = []
    with dg.instance_for_test() as instance:
        instance.add_run(dg.DagsterRun(job_name="__ASSET_JOB", run_id="by-hand",
                                       status=dg.DagsterRunStatus.FAILURE))  # fmt: skip
        wait_for_other_writers(instance, said.append, poll_seconds=0.05)  # finished: no wait
        assert said == []
        ad_hoc = dg.DagsterRun(job_name="__ASSET_JOB", run_id="by-hand-2",
                               status=dg.DagsterRunStatus.STARTED)  # fmt: skip
        instance.add_run(ad_hoc)
        waiter = threading.Thread(
            target=wait_for_other_writers,
            args=(instance, said.append),
            kwargs={"poll_seconds": 0.05},
        )
        waiter.start()
        time.sleep(0.3)
        assert said and "by-hand-" in said[0]
        instance.report_run_failed(ad_hoc)
        waiter.join(5)
        assert not waiter.is_alive()


def test_every_asset_and_check_is_in_the_warehouse_pool():
    from pipelines.definitions import build_definitions
    from pipelines.defs.resources import WAREHOUSE_POOL
    from pipelines.settings import Settings

    defs = build_definitions(Settings.from_env(pseudonym_key="k"))
    assert len(defs.get_repository_def().get_all_jobs()) >= 5  # the code location loads whole
    executable = [d for d in [*defs.assets, *defs.asset_checks]
                  if isinstance(d, dg.AssetsDefinition) and d.is_executable]  # fmt: skip
    # the board pack only reads the published snapshot (switched atomically), never the warehouse
    outside = sorted(d.op.name for d in executable
                     if d.op.pool != WAREHOUSE_POOL and d.op.name != "board_pack")  # fmt: skip
    assert len(executable) >= 6
    assert outside == []
    ad_hoc = defs.resolve_implicit_global_asset_job_def()
    assert ad_hoc.executor_def.name == "in_process"
