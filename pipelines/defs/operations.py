"""Nightly operations: the 02:00 schedule, the landing sensor, the build that follows each batch
of loads, and an email for every failed run.

Loads are grouped in batches (tag `raa/batch`): the schedule starts one load over every council
(a single run over the partition range, as `raa run` does), the landing sensor one load per new
submission. When every load of a batch has finished, `build_after_loads` starts one
`build_warehouse` run (star schema, marts, gate, publish).
"""

import json
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import duckdb

from pipelines.defs.resources import AlertResource, WarehouseResource
from pipelines.ingest.landing import (
    is_stable,
    read_submission,
    submission_folders,
    unregistered_folders,
)
from pipelines.ingest.load import current_manifest
from pipelines.operations.alerts import run_failure_alert, unregistered_folder_alert
from pipelines.platform.warm_dbt import keep_one_waiting
from pipelines.settings import DBT_PROJECT_DIR, warehouse_vars

BATCH_TAG = "raa/batch"
PARTITION_TAG = "dagster/partition"
RECENT_LOADS = 200
REMEMBERED_BATCHES = 100


RANGE_START = "dagster/asset_partition_range_start"
RANGE_END = "dagster/asset_partition_range_end"


def council_blocks(order: list[str], wanted: list[str]) -> list[list[str]]:
    """The wanted councils as runs of neighbours in partition order: one Dagster run each (a
    single-run backfill of that range), so run start-up is paid once, not once per council."""
    blocks: list[list[str]] = []
    previous = None
    for index, code in sorted((order.index(c), c) for c in set(wanted)):
        if previous is not None and index == previous + 1:
            blocks[-1].append(code)
        else:
            blocks.append([code])
        previous = index
    return blocks


def nightly_schedule(ingest_job) -> dg.ScheduleDefinition:
    @dg.schedule(
        name="nightly_load",
        cron_schedule="0 2 * * *",
        execution_timezone="Europe/London",
        job=ingest_job,
        description="02:00 UK time: load every council in one run; build_after_loads then rebuilds.",
        default_status=dg.DefaultScheduleStatus.RUNNING,
    )
    def nightly_load(context: dg.ScheduleEvaluationContext, warehouse: WarehouseResource):
        batch = f"nightly-{context.scheduled_execution_time:%Y-%m-%d}"
        codes = warehouse.registry().codes
        return [
            dg.RunRequest(
                run_key=f"{batch}:{block[0]}-{block[-1]}",
                tags={BATCH_TAG: batch, RANGE_START: block[0], RANGE_END: block[-1]},
            )
            for block in council_blocks(codes, codes)
        ]

    return nightly_load


def landing_sensor(ingest_job, interval_seconds: int) -> dg.SensorDefinition:
    @dg.sensor(
        name="new_submission",
        job=ingest_job,
        minimum_interval_seconds=interval_seconds,
        description="Loads a council as soon as a new submission folder is complete and stable "
        "(no file changed for RAA_LANDING_QUIET_SECONDS). One run per submission.",
        default_status=dg.DefaultSensorStatus.RUNNING,
    )
    def new_submission(
        context: dg.SensorEvaluationContext, warehouse: WarehouseResource, alerts: AlertResource
    ):
        settings = warehouse.settings()
        quiet = settings.landing_quiet_seconds
        seen: dict = json.loads(context.cursor or "{}")
        codes = warehouse.registry().codes
        _tell_unregistered(context, settings.landing_dir, codes, seen, alerts)
        # Every load this tick starts is one batch: build_after_loads builds once they are done.
        batch = f"landing-{datetime.now(UTC):%Y%m%dT%H%M%S}"
        new = []
        for code in codes:
            folders = submission_folders(settings.landing_dir, code)
            if not folders or seen.get(code) == folders[-1].name:
                continue
            latest = folders[-1]
            if not is_stable(latest, quiet):
                context.log.info(f"{code}/{latest.name} is still arriving; waiting")
                continue
            loaded = _is_loaded(settings.database, code, read_submission(code, latest))
            if loaded is None:
                context.log.info(f"{code}/{latest.name}: the warehouse is busy; next tick")
                continue
            seen[code] = latest.name
            if loaded:
                context.log.info(f"{code}/{latest.name} is the submission already loaded")
                continue
            new.append(code)
        # One run per stretch of neighbouring councils, as the schedule does: start-up is paid
        # once per run, not once per council.
        requests = [
            dg.RunRequest(run_key=f"{batch}:{block[0]}-{block[-1]}",
                          tags={BATCH_TAG: batch, RANGE_START: block[0], RANGE_END: block[-1]})
            for block in council_blocks(codes, new)
        ]  # fmt: skip
        if not requests:
            return dg.SensorResult(skip_reason="no new complete submission",
                                   cursor=json.dumps(seen, sort_keys=True))  # fmt: skip
        return dg.SensorResult(run_requests=requests, cursor=json.dumps(seen, sort_keys=True))

    return new_submission


UNREGISTERED = "_unregistered"  # the cursor's list of landing folders already alerted on


def _tell_unregistered(context, landing, codes: list[str], seen: dict, alerts) -> None:
    """A landing folder of no registered council is told to the operators once."""
    found = unregistered_folders(landing, codes)
    new = [f for f in found if f not in seen.get(UNREGISTERED, [])]
    if new:
        context.log.warning(f"not in the council registry, so not loaded: {', '.join(new)}")
        alerts.send(unregistered_folder_alert(new, str(landing)), context.log)
    seen[UNREGISTERED] = found


def _is_loaded(database: Path, code: str, submission) -> bool | None:
    """Whether this exact submission is the one the warehouse holds for the council (None when
    the warehouse is being written and cannot be read now)."""
    if not database.exists():
        return False
    try:
        with duckdb.connect(str(database), read_only=True) as con:
            return current_manifest(con, code) == submission.manifest_sha256
    except duckdb.CatalogException:
        return False
    except duckdb.IOException:
        return None


def batch_states(runs) -> dict[str, bool]:
    """Each batch of loads: whether all its runs have finished (successfully or not)."""
    batches: dict[str, list] = {}
    for run in sorted(runs, key=lambda r: r.run_id):
        batch = run.tags.get(BATCH_TAG)
        if batch:
            batches.setdefault(batch, []).append(run)
    return {b: all(r.is_finished for r in rs) for b, rs in batches.items()}


def build_sensor(ingest_job_name: str, transform_job, interval_seconds: int) -> dg.SensorDefinition:
    @dg.sensor(
        name="build_after_loads",
        job=transform_job,
        minimum_interval_seconds=interval_seconds,
        description="Once every load of a batch has finished, rebuild the marts and publish.",
        default_status=dg.DefaultSensorStatus.RUNNING,
    )
    def build_after_loads(context: dg.SensorEvaluationContext, warehouse: WarehouseResource):
        built: list[str] = json.loads(context.cursor or "[]")
        runs = context.instance.get_runs(
            filters=dg.RunsFilter(job_name=ingest_job_name), limit=RECENT_LOADS
        )
        states = {b: done for b, done in batch_states(runs).items() if b not in built}
        if states:  # a build is coming: dbt imports and parses while the loads run
            keep_one_waiting(DBT_PROJECT_DIR, warehouse_vars(warehouse.settings().database))
        ready = [b for b, done in states.items() if done]
        if not ready:
            return dg.SensorResult(skip_reason="no finished batch of loads to build")
        requests = [dg.RunRequest(run_key=f"build:{b}", tags={BATCH_TAG: b}) for b in ready]
        cursor = json.dumps((built + ready)[-REMEMBERED_BATCHES:])
        return dg.SensorResult(run_requests=requests, cursor=cursor)

    return build_after_loads


def failure_problem(step_failures, fallback: str) -> str:
    messages = []
    for event in step_failures:
        error = getattr(event.event_specific_data, "error", None)
        messages.append(f"{event.step_key}: {error.message.strip() if error else event.message}")
    return "\n".join(messages) or fallback


@dg.run_failure_sensor(
    name="alert_on_run_failure",
    description="Emails the operators (RAA_ALERT_TO) when any run fails, including a failed "
    "contract, dbt test or release gate.",
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def alert_on_run_failure(context: dg.RunFailureSensorContext, alerts: AlertResource):
    run = context.dagster_run
    problem = failure_problem(context.get_step_failure_events(), context.failure_event.message)
    alerts.send(
        run_failure_alert(run.job_name, run.run_id, run.tags.get(PARTITION_TAG), problem),
        context.log,
    )
