"""A night as the data team runs it: a real `dagster-daemon` on a temporary instance, the nightly
schedule's tick and the sensors, with a `raa run` started at the same time. Everything completes,
one writer at a time, with no lock error. (The same steps, timed, are bench/daemon_night.py.)"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import dagster as dg
import pytest

from bench.daemon_night import (
    BIN,
    night_env,
    queue_tick,
    schedule_tags,
    sensor_builds,
    start_daemon,
    wait_for_daemon,
    wait_until_settled,
)
from pipelines.definitions import INGEST_JOB
from pipelines.settings import PROJECT_ROOT

LOCK_ERROR = "Could not set lock"
ARTIFACTS = PROJECT_ROOT / "test-artifacts"


@pytest.mark.slow
def test_a_night_under_the_daemon_completes_beside_a_raa_run(tmp_path, monkeypatch):
    from demo import generate_demo

    env = night_env({
        **os.environ,
        "DAGSTER_HOME": str(tmp_path / "dagster"),
        "RAA_LANDING_DIR": str(tmp_path / "landing"),
        "RAA_WAREHOUSE_DIR": str(tmp_path / "warehouse"),
        "RAA_PSEUDONYM_KEY": "daemon-night-key",
    })  # fmt: skip
    for name in ("DAGSTER_HOME", "RAA_LANDING_DIR", "RAA_WAREHOUSE_DIR", "RAA_PSEUDONYM_KEY"):
        monkeypatch.setenv(name, env[name])
    generate_demo(Path(env["RAA_LANDING_DIR"]))
    tags = schedule_tags(env)
    instance = dg.DagsterInstance.get()  # creates the instance's storage before anyone else
    daemon = start_daemon(env, tmp_path / "daemon.log")
    try:
        wait_for_daemon(instance)
        # The schedule's tick, queued as the daemon queues it; the landing sensor sees the same
        # five new submissions; and a `raa run` starts at the same time.
        queue_tick(env, tags)
        raa = subprocess.Popen([str(BIN / "raa"), "run"], cwd=PROJECT_ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)  # fmt: skip
        said, _ = raa.communicate(timeout=600)
        runs = wait_until_settled(instance, lambda: True, timeout=420)
    finally:
        daemon.terminate()
        daemon.wait(60)

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "daemon-night.txt").write_text(
        "raa run said:\n" + said + "\nruns, oldest first:\n" + "\n".join(
            f"{r.job_name} {r.status.value} {dict(r.tags)}" for r in reversed(runs)
        ) + "\n"
    )  # fmt: skip
    assert raa.returncode == 0, said[-3000:]
    failed = [(r.job_name, r.run_id) for r in runs if r.status != dg.DagsterRunStatus.SUCCESS]
    assert not failed, failed
    assert any(r.job_name == INGEST_JOB and r.tags.get("raa/batch") == tags["raa/batch"]
               for r in runs)  # the schedule's load  # fmt: skip
    builds = sensor_builds(runs)
    assert len(builds) == len({r.tags.get("raa/batch") for r in builds})  # one build per batch
    # Each build was queued with its batch's loads, and started only after the last had ended.
    records = {r.dagster_run.run_id: r for r in instance.get_run_records()}
    for build in builds:
        loads = [r for r in runs
                 if r.job_name == INGEST_JOB and r.tags.get("raa/batch") == build.tags["raa/batch"]]  # fmt: skip
        assert loads and records[build.run_id].start_time >= max(
            records[r.run_id].end_time for r in loads)  # fmt: skip
    for run in runs:
        text = "\n".join(e.message or "" for e in instance.all_logs(run.run_id))
        assert LOCK_ERROR not in text, (run.job_name, run.run_id)
    assert LOCK_ERROR not in said
