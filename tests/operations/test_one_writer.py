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
