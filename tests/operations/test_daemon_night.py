"""A night as the data team runs it: a real `dagster-daemon` on a temporary instance, the nightly
schedule's tick and the sensors, with a `raa run` started at the same time. Everything completes,
one writer at a time, with no lock error."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

from pipelines.definitions import INGEST_JOB, TRANSFORM_JOB, build_definitions
from pipelines.defs.resources import WarehouseResource
from pipelines.settings import PROJECT_ROOT, Settings

BIN = Path(sys.executable).parent
FINISHED = {dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED}
LOCK_ERROR = "Could not set lock"
ARTIFACTS = PROJECT_ROOT / "test-artifacts"


def _night_env(root: Path) -> dict[str, str]:
    home = root / "dagster"
    home.mkdir()
    shutil.copyfile(PROJECT_ROOT / "config" / "dagster.yaml", home / "dagster.yaml")
    return {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "RAA_LANDING_DIR": str(root / "landing"),
        "RAA_WAREHOUSE_DIR": str(root / "warehouse"),
        "RAA_PSEUDONYM_KEY": "daemon-night-key",
        "RAA_LANDING_QUIET_SECONDS": "0",
        "RAA_SENSOR_INTERVAL_SECONDS": "5",
    }


def _schedule_tags(env: dict[str, str]) -> dict[str, str]:
    """The run request of the nightly schedule's 02:00 tick."""
    settings = Settings.from_env(landing_dir=env["RAA_LANDING_DIR"],
                                 warehouse_dir=env["RAA_WAREHOUSE_DIR"])  # fmt: skip
    defs = build_definitions(settings)
    context = dg.build_schedule_context(
        scheduled_execution_time=datetime(2026, 12, 3, 2, 0, tzinfo=ZoneInfo("Europe/London")),
        resources={"warehouse": WarehouseResource(landing_dir=env["RAA_LANDING_DIR"])},
        repository_def=defs.get_repository_def(),
    )
    (request,) = defs.resolve_schedule_def("nightly_load").evaluate_tick(context).run_requests
    return dict(request.tags)


def _wait_for_quiet(instance: dg.DagsterInstance, raa: subprocess.Popen, timeout: float) -> None:
    """Until `raa run` has exited, the sensor's build has finished and no run is left."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        runs = instance.get_runs()
        sensor_builds = [r for r in runs if r.job_name == TRANSFORM_JOB
                         and r.tags.get("dagster/sensor_name") == "build_after_loads"]  # fmt: skip
        settled = all(r.status in FINISHED for r in runs)
        if raa.poll() is not None and sensor_builds and settled:
            return
        time.sleep(2)
    raise AssertionError(f"the night did not finish in {timeout:.0f} s: "
                         f"{[(r.job_name, r.status.value) for r in instance.get_runs()]}")  # fmt: skip


def _wait_for_daemon(instance: dg.DagsterInstance, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        statuses = instance.get_daemon_statuses()
        if statuses and all(s.healthy for s in statuses.values()):
            return
        time.sleep(1)
    raise AssertionError("dagster-daemon did not come up")


@pytest.mark.slow
def test_a_night_under_the_daemon_completes_beside_a_raa_run(tmp_path, monkeypatch):
    from pipelines.demo import generate_demo

    env = _night_env(tmp_path)
    for name in ("DAGSTER_HOME", "RAA_LANDING_DIR", "RAA_WAREHOUSE_DIR", "RAA_PSEUDONYM_KEY"):
        monkeypatch.setenv(name, env[name])
    generate_demo(Path(env["RAA_LANDING_DIR"]))
    tags = _schedule_tags(env)
    instance = dg.DagsterInstance.get()  # creates the instance's storage before anyone else
    log = (tmp_path / "daemon.log").open("w")
    daemon = subprocess.Popen(
        [str(BIN / "dagster-daemon"), "run", "-w", str(PROJECT_ROOT / "workspace.yaml")],
        cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        _wait_for_daemon(instance, timeout=120)
        # The schedule's tick, queued as the daemon queues it; the landing sensor sees the same
        # five new submissions; and a `raa run` starts at the same time.
        launched = subprocess.run(
            [str(BIN / "dagster"), "job", "launch", "-w", str(PROJECT_ROOT / "workspace.yaml"),
             "-j", INGEST_JOB, "--tags", json.dumps(tags)],
            cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert launched.returncode == 0, launched.stderr[-2000:]
        raa = subprocess.Popen([str(BIN / "raa"), "run"], cwd=PROJECT_ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)  # fmt: skip
        _wait_for_quiet(instance, raa, timeout=420)
        said = raa.stdout.read()
        runs = instance.get_runs()
    finally:
        daemon.terminate()
        daemon.wait(60)
        log.close()

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "daemon-night.txt").write_text(
        "raa run said:\n" + said + "\nruns, oldest first:\n" + "\n".join(
            f"{r.job_name} {r.status.value} {dict(r.tags)}" for r in reversed(runs)
        ) + "\n"
    )  # fmt: skip
    assert raa.returncode == 0, said[-3000:]
    failed = [(r.job_name, r.run_id) for r in runs if r.status != dg.DagsterRunStatus.SUCCESS]
    assert not failed, failed
    by_origin = {(r.job_name, r.tags.get("dagster/sensor_name") or r.tags.get("raa/batch", "raa run"))
                 for r in runs}  # fmt: skip
    assert (INGEST_JOB, tags["raa/batch"]) in by_origin  # the schedule's load
    assert (INGEST_JOB, "new_submission") in by_origin or any(
        r.tags.get("raa/batch", "").startswith("landing-") for r in runs
    )  # the sensor's loads (or it found them loaded already)
    sensor_builds = [r for r in runs if r.tags.get("dagster/sensor_name") == "build_after_loads"]
    batches = {r.tags.get("raa/batch") for r in sensor_builds}
    assert len(sensor_builds) == len(batches)  # one build per batch of loads, not one per council
    for run in runs:
        text = "\n".join(e.message or "" for e in instance.all_logs(run.run_id))
        assert LOCK_ERROR not in text, (run.job_name, run.run_id)
    assert LOCK_ERROR not in said
