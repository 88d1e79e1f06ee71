"""A night as the Dagster daemon runs it, timed: `python -m bench.daemon_night` (with the
pipeline's environment: RAA_LANDING_DIR, RAA_WAREHOUSE_DIR, RAA_COUNCILS_FILE, DAGSTER_HOME).

A `dagster-daemon` over the project's workspace and instance settings (config/dagster.yaml); the
nightly schedule's 02:00 tick queued as the daemon queues it (`dagster job launch` with the tick's
run request); then the loads and the `build_after_loads` sensor's build, each launched by the
daemon in its own process. Timed from the tick to the build's end, beside `raa run`'s night in
`make bench`. Prints one `BENCH {...}` line. tests/operations/test_daemon_night.py uses the same
steps.
"""

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

from pipelines.definitions import INGEST_JOB, TRANSFORM_JOB, build_definitions
from pipelines.defs.resources import WarehouseResource
from pipelines.settings import PROJECT_ROOT, Settings

BIN = Path(sys.executable).parent
WORKSPACE = PROJECT_ROOT / "workspace.yaml"
FINISHED = {dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED}
SENSOR_TAG = "dagster/sensor_name"


def night_env(env: dict[str, str], landing_sensor: bool = True) -> dict[str, str]:
    """The environment of a daemon night: the project's instance settings in DAGSTER_HOME, the
    sensors evaluated on every pass of the daemon's sensor loop (Dagster passes every 5 s; an
    interval of 5 s itself is met on every other pass only); the landing sensor takes folders as
    complete at once, or (for the bench, which times the schedule's night alone) never."""
    home = Path(env["DAGSTER_HOME"])
    home.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(PROJECT_ROOT / "config" / "dagster.yaml", home / "dagster.yaml")
    quiet = "0" if landing_sensor else str(10**9)
    return {**env, "RAA_LANDING_QUIET_SECONDS": quiet, "RAA_SENSOR_INTERVAL_SECONDS": "1"}


def schedule_tags(env: dict[str, str]) -> dict[str, str]:
    """The run request of the nightly schedule's 02:00 tick."""
    settings = Settings.from_env(landing_dir=env["RAA_LANDING_DIR"],
                                 warehouse_dir=env["RAA_WAREHOUSE_DIR"],
                                 councils_file=env.get("RAA_COUNCILS_FILE"))  # fmt: skip
    defs = build_definitions(settings)
    context = dg.build_schedule_context(
        scheduled_execution_time=datetime(2026, 12, 3, 2, 0, tzinfo=ZoneInfo("Europe/London")),
        resources={"warehouse": WarehouseResource(landing_dir=env["RAA_LANDING_DIR"],
                                                  councils_file=env.get("RAA_COUNCILS_FILE"))},
        repository_def=defs.get_repository_def(),
    )  # fmt: skip
    (request,) = defs.resolve_schedule_def("nightly_load").evaluate_tick(context).run_requests
    return dict(request.tags)


def start_daemon(env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("w") as out:
        return subprocess.Popen([str(BIN / "dagster-daemon"), "run", "-w", str(WORKSPACE)],
                                cwd=PROJECT_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)  # fmt: skip


def wait_for_daemon(instance: dg.DagsterInstance, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        statuses = instance.get_daemon_statuses()
        if statuses and all(s.healthy for s in statuses.values()):
            return
        time.sleep(0.5)
    raise RuntimeError("dagster-daemon did not come up")


def queue_tick(env: dict[str, str], tags: dict[str, str]) -> None:
    """Queue the tick's run as the daemon's scheduler does (the daemon launches it)."""
    launched = subprocess.run(
        [str(BIN / "dagster"), "job", "launch", "-w", str(WORKSPACE), "-j", INGEST_JOB,
         "--tags", json.dumps(tags)],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    if launched.returncode != 0:
        raise RuntimeError(f"dagster job launch failed: {launched.stderr[-2000:]}")


def sensor_builds(runs: list[dg.DagsterRun]) -> list[dg.DagsterRun]:
    return [r for r in runs
            if r.job_name == TRANSFORM_JOB and r.tags.get(SENSOR_TAG) == "build_after_loads"]  # fmt: skip


def wait_until_settled(instance: dg.DagsterInstance, done, timeout: float) -> list[dg.DagsterRun]:
    """Until the sensor's build has finished, no run is left, and `done()` (e.g. a `raa run`
    started beside the night has exited)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        runs = instance.get_runs()
        if done() and sensor_builds(runs) and all(r.status in FINISHED for r in runs):
            return runs
        time.sleep(0.5)
    raise RuntimeError(f"the night did not finish in {timeout:.0f} s: "
                       f"{[(r.job_name, r.status.value) for r in instance.get_runs()]}")  # fmt: skip


def main() -> None:
    env = night_env(dict(os.environ), landing_sensor=False)
    os.environ.update(env)  # this process's own instance is the daemon's
    tags = schedule_tags(env)
    instance = dg.DagsterInstance.get()
    daemon = start_daemon(env, Path(env["DAGSTER_HOME"]) / "daemon.log")
    try:
        wait_for_daemon(instance)
        queue_tick(env, tags)
        runs = wait_until_settled(instance, lambda: True, timeout=3600)
        # From the tick's run being queued (as the scheduler queues it; `dagster job launch`'s
        # own start-up is the bench's, not the night's) to the build's end.
        records = instance.get_run_records()
        ticked = min(r.create_timestamp.timestamp() for r in records)
        seconds = max(r.end_time or 0 for r in records) - ticked
    finally:
        daemon.terminate()
        daemon.wait(60)
    failed = [r.job_name for r in runs if r.status != dg.DagsterRunStatus.SUCCESS]
    print("BENCH " + json.dumps({"night_seconds": seconds, "runs": len(runs), "failed": failed}))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
