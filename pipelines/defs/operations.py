"""Nightly operations: the 02:00 schedule, the landing sensor, the build that follows each batch
of loads, and an email for every failed run.

Loads are grouped in batches (tag `raa/batch`, and `raa/batch_loads`: how many load runs the batch
has): the schedule starts one load over every council (a single run over the partition range, as
`raa run` does), the landing sensor one load per stretch of new submissions. As soon as every load
of a batch is in the run queue, `build_after_loads` queues one `build_warehouse` run (star schema,
marts, gate, publish) behind them. The queue is first in, first out, and the warehouse takes one
writer at a time (config/dagster.yaml), so the build starts the moment the last load ends, rather
than when the sensor next looks (every RAA_SENSOR_INTERVAL_SECONDS) after it.
"""

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
import duckdb

from pipelines.defs.ingest import SUBMISSION_KEY, WHOLE_RUN
from pipelines.defs.resources import AlertResource, WarehouseResource
from pipelines.ingest.landing import (
    folder_state,
    is_stable,
    read_submission,
    submission_folders,
    submission_id_of,
    unregistered_folders,
)
from pipelines.ingest.load import current_manifest
from pipelines.ingest.pseudonym_key import warehouse_key_is_right
from pipelines.operations.alerts import run_failure_alert, unregistered_folder_alert
from pipelines.platform.warm_dbt import keep_one_waiting
from pipelines.settings import DBT_PROJECT_DIR, warehouse_vars

BATCH_TAG = "raa/batch"
BATCH_LOADS_TAG = "raa/batch_loads"
PARTITION_TAG = "dagster/partition"
BACKFILL_TAG = "dagster/backfill"
# A re-execution (the UI's Re-execute) names the run it repeats, whose tags it copies.
PARENT_RUN_TAG = "dagster/parent_run_id"
# The run of a materialisation launched by hand from the asset graph (Dagster's implicit job).
AD_HOC_JOB = "__ASSET_JOB"
RECENT_LOADS = 200
# A load launched by hand (a backfill or a partition materialised from the UI) carries no batch
# tag: it is its own batch, built after once it has finished, if it is this recent.
HAND_LAUNCHED_WITHIN = timedelta(days=1)


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


def load_tags(batch: str, block: list[str], loads: int) -> dict[str, str]:
    """The tags of one load run: its batch, how many load runs the batch has, its councils."""
    return {BATCH_TAG: batch, BATCH_LOADS_TAG: str(loads),
            RANGE_START: block[0], RANGE_END: block[-1]}  # fmt: skip


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
        blocks = council_blocks(codes, codes)
        return [
            dg.RunRequest(
                run_key=f"{batch}:{block[0]}-{block[-1]}",
                tags=load_tags(batch, block, loads=len(blocks)),
            )
            for block in blocks
        ]

    return nightly_load


def landing_sensor(ingest_job, interval_seconds: int) -> dg.SensorDefinition:
    @dg.sensor(
        name="new_submission",
        job=ingest_job,
        minimum_interval_seconds=interval_seconds,
        description="Loads a council as soon as a new submission folder is complete and stable "
        "(nothing in it written, added or removed for RAA_LANDING_QUIET_SECONDS). One run per "
        "submission.",
        default_status=dg.DefaultSensorStatus.RUNNING,
    )
    def new_submission(
        context: dg.SensorEvaluationContext, warehouse: WarehouseResource, alerts: AlertResource
    ):
        settings = warehouse.settings()
        quiet = settings.landing_quiet_seconds
        seen: dict = json.loads(context.cursor or "{}")
        codes = warehouse.registry().codes
        key_is_right = _key_is_right(warehouse)
        if key_is_right:  # what was refused under another key is looked at again, and loaded
            for code in seen.pop(UNDER_ANOTHER_KEY, []):
                seen.pop(code, None)
        _tell_unregistered(context, settings.landing_dir, codes, seen, alerts)
        # Every load this tick starts is one batch: build_after_loads builds after them.
        batch = f"landing-{datetime.now(UTC):%Y%m%dT%H%M%S}"
        new = []
        for code in codes:
            folders = submission_folders(settings.landing_dir, code)
            if not folders:
                continue
            latest = folders[-1]
            state = folder_state(latest)  # a corrected file re-sent into it changes it too
            if seen.get(code) == state:
                continue
            if not is_stable(latest, quiet):
                # Not read yet (it may be half-written), so not known to be new either.
                context.log.info(f"{code}/{submission_id_of(latest)}: a file in it was written, "
                                 f"added or removed less than {quiet} s ago "
                                 "(RAA_LANDING_QUIET_SECONDS); looking at it once it is quiet")  # fmt: skip
                continue
            known = _known_as(settings.database, code, read_submission(code, latest))
            if known == BUSY:
                context.log.info(
                    f"{code}/{submission_id_of(latest)}: the warehouse is busy; next tick"
                )
                continue
            seen[code] = state
            if known == LOADED:
                context.log.info(
                    f"{code}/{submission_id_of(latest)} is the submission already loaded"
                )
                continue
            if known == REFUSED:  # by a load launched by hand before the folder was quiet
                context.log.info(f"{code}/{submission_id_of(latest)} was refused already (its "
                                 "alert and feedback report say why); a corrected export is "
                                 "loaded when it arrives")  # fmt: skip
                continue
            new.append(code)
        if new and key_is_right is False:  # each load is refused, with one alert for the run
            seen[UNDER_ANOTHER_KEY] = sorted({*seen.get(UNDER_ANOTHER_KEY, []), *new})
        # One run per stretch of neighbouring councils, as the schedule does: start-up is paid
        # once per run, not once per council.
        blocks = council_blocks(codes, new)
        requests = [
            dg.RunRequest(run_key=f"{batch}:{block[0]}-{block[-1]}",
                          tags=load_tags(batch, block, loads=len(blocks)))
            for block in blocks
        ]  # fmt: skip
        if not requests:
            return dg.SensorResult(skip_reason="no new complete submission",
                                   cursor=json.dumps(seen, sort_keys=True))  # fmt: skip
        return dg.SensorResult(run_requests=requests, cursor=json.dumps(seen, sort_keys=True))

    return new_submission


UNREGISTERED = "_unregistered"  # the cursor's list of landing folders already alerted on
# The cursor's councils whose new submission was sent to a load while RAA_PSEUDONYM_KEY was not
# the warehouse's (so refused): once the key is put back, they are loaded without a new folder.
UNDER_ANOTHER_KEY = "_under_another_key"


def _tell_unregistered(context, landing, codes: list[str], seen: dict, alerts) -> None:
    """A landing folder of no registered council is told to the operators once."""
    found = unregistered_folders(landing, codes)
    new = [f for f in found if f not in seen.get(UNREGISTERED, [])]
    if new:
        context.log.warning(f"not in the council registry, so not loaded: {', '.join(new)}")
        alerts.send(unregistered_folder_alert(new, str(landing)), context.log)
    seen[UNREGISTERED] = found


LOADED, REFUSED, NEW, BUSY = "loaded", "refused", "new", "busy"


def _known_as(database: Path, code: str, submission) -> str:
    """What the warehouse knows of this exact submission (its files' manifest): the one in use
    for the council (LOADED), one whose last load failed (REFUSED), NEW, or BUSY while the
    warehouse is being written and cannot be read now."""
    if not database.exists():
        return NEW
    try:
        with duckdb.connect(str(database), read_only=True) as con:
            if current_manifest(con, code) == submission.manifest_sha256:
                return LOADED
            last = con.execute(
                """select status from audit.load_history where council_code = ?
                   and manifest_sha256 = ? order by loaded_at desc limit 1""",
                [code, submission.manifest_sha256],
            ).fetchone()  # fmt: skip
            return REFUSED if last and last[0] == "failed" else NEW
    except duckdb.CatalogException:
        return NEW
    except duckdb.IOException:
        return BUSY


def batch_states(runs) -> dict[str, bool]:
    """Each batch of loads: whether its build can be queued now, behind them.

    It can once all its load runs exist (`raa/batch_loads` says how many; the schedule and the
    landing sensor create them one after another, and the build must not be queued between
    them). Existing is enough, queued or not yet: Dagster's queue hands out runs in the order
    they were created (`get_runs(..., ascending=True)` in its run coordinator daemon), so a
    load created before the build starts before it. A batch from before that tag waits until
    all its loads have finished.
    """
    return {b: _all_loads_queued(rs) for b, rs in runs_by_batch(runs).items()}


def runs_by_batch(runs) -> dict[str, list]:
    """Load runs grouped by their batch: the schedule's or sensor's tag, or the batch of a load
    launched by hand (hand_launched_batch); runs of neither are left out."""
    batches: dict[str, list] = {}
    for run in runs:
        batch = hand_launched_batch(run) or run.tags.get(BATCH_TAG)
        if batch:
            batches.setdefault(batch, []).append(run)
    return batches


def hand_launched_batch(run) -> str | None:
    """The batch of a load an operator launched from the UI: a re-execution of any load (its
    batch, copied from the run it repeats, was built already) or one council's partition
    materialised (`run-<id>`), or a backfill (`backfill-<id>`). `raa run`'s own loads, which
    build in the same command, carry none of these tags."""
    if run.tags.get(PARENT_RUN_TAG):
        return f"run-{run.run_id}"
    if run.tags.get(BACKFILL_TAG):
        return f"backfill-{run.tags[BACKFILL_TAG]}"
    if run.tags.get(PARTITION_TAG):
        return f"run-{run.run_id}"
    return None


def _load_runs(instance, ingest_job_name: str) -> list:
    """The recent load runs: the ingest job's, and the asset graph's that loaded councils; a
    load with no batch tag only when launched by hand within HAND_LAUNCHED_WITHIN."""
    since = datetime.now(UTC) - HAND_LAUNCHED_WITHIN
    records = [*instance.get_run_records(filters=dg.RunsFilter(job_name=ingest_job_name),
                                         limit=RECENT_LOADS)]  # fmt: skip
    records += [
        record for record in instance.get_run_records(
            filters=dg.RunsFilter(job_name=AD_HOC_JOB, created_after=since), limit=RECENT_LOADS)
        if SUBMISSION_KEY in (record.dagster_run.asset_selection or ())
    ]  # fmt: skip
    return [
        record.dagster_run for record in records
        if record.dagster_run.tags.get(BATCH_TAG)
        or (hand_launched_batch(record.dagster_run) and record.create_timestamp >= since)
    ]  # fmt: skip


def _all_loads_queued(loads) -> bool:
    expected = {run.tags.get(BATCH_LOADS_TAG) for run in loads}
    if None in expected or any(run.tags.get(PARENT_RUN_TAG) for run in loads):
        return all(run.is_finished for run in loads)
    return len({run.run_id for run in loads}) >= max(int(n) for n in expected)


def build_sensor(ingest_job_name: str, transform_job, interval_seconds: int) -> dg.SensorDefinition:
    @dg.sensor(
        name="build_after_loads",
        job=transform_job,
        minimum_interval_seconds=interval_seconds,
        description="Once every load of a batch is queued, queue the rebuild of the marts and "
        "the publish behind them (it starts when the last load ends).",
        default_status=dg.DefaultSensorStatus.RUNNING,
    )
    def build_after_loads(context: dg.SensorEvaluationContext, warehouse: WarehouseResource):
        built: list[str] = json.loads(context.cursor or "[]")
        runs = _load_runs(context.instance, ingest_job_name)
        every = batch_states(runs)
        states = {b: done for b, done in every.items() if b not in built}
        if states and _key_refused(warehouse):
            # Its loads are refused (PseudonymKeyChanged, one alert each): a build would only
            # publish what is there again. A batch whose loads have all failed is never built
            # (after the key is put back, the nights refused meanwhile do not each queue one).
            failed = _failed_batches(runs)
            cursor = json.dumps([b for b in built + [b for b in states if b in failed]
                                 if b in every])  # fmt: skip
            return dg.SensorResult(cursor=cursor, skip_reason=(
                f"no build after {', '.join(states)}: RAA_PSEUDONYM_KEY is not the warehouse's "
                "key, so its loads are refused and the warehouse is unchanged"))  # fmt: skip
        if states:  # a build is coming: dbt imports and parses while the loads run
            keep_one_waiting(DBT_PROJECT_DIR, warehouse_vars(warehouse.settings().database))
        ready = [b for b, queued in states.items() if queued]
        if not ready:
            return dg.SensorResult(skip_reason="no new batch of loads to build after")
        requests = [dg.RunRequest(run_key=f"build:{b}", tags={BATCH_TAG: b}) for b in ready]
        # Remember every built batch still among the recent loads (a batch forgotten while its
        # runs are still read would be built again on every tick), and none older.
        cursor = json.dumps([b for b in built + ready if b in every])
        return dg.SensorResult(run_requests=requests, cursor=cursor)

    return build_after_loads


def _failed_batches(runs) -> set[str]:
    """The batches whose every load has finished, failed."""
    return {
        batch for batch, loads in runs_by_batch(runs).items()
        if all(run.status == dg.DagsterRunStatus.FAILURE for run in loads)
    }  # fmt: skip


def _key_refused(warehouse: WarehouseResource) -> bool:
    """Whether this process's RAA_PSEUDONYM_KEY (the runs' it launches) is not the one the
    warehouse records; not known while a writer holds the warehouse (the load asks then)."""
    return _key_is_right(warehouse) is False


def _key_is_right(warehouse: WarehouseResource) -> bool | None:
    """Whether this process's RAA_PSEUDONYM_KEY is the warehouse's (or it records none yet);
    None while a writer holds the warehouse."""
    settings = warehouse.settings()
    return warehouse_key_is_right(settings.database, settings.pseudonym_key.get_secret_value())


# "dagster._core.definitions.events.Failure: " and the like: no words for an operator
_ERROR_CLASS = re.compile(r"^(?:[\w.]+\.)?\w*(?:Failure|Error|Exception): ")


def failure_problem(step_failures, fallback: str, council: str | None = None) -> str:
    """The failed steps' messages in plain words; only `council`'s lines when one is named."""
    lines = []
    for event in step_failures:
        error = getattr(event.event_specific_data, "error", None)
        text = _ERROR_CLASS.sub("", (error.message if error else event.message or "").strip())
        lines += text.splitlines()
    if council:
        lines = [line for line in lines if line.startswith(f"{council} ")] or lines
    return "\n".join(lines) or fallback


def run_failure_alerts(job: str, run_id: str, step_failures, fallback: str,
                       councils: list[str | None]) -> list:  # fmt: skip
    """One alert per council whose load failed, each with its own problem lines; one for the
    run when no council is named."""
    return [
        run_failure_alert(job, run_id, council, failure_problem(step_failures, fallback, council))
        for council in councils or [None]
    ]


def every_council_refused(step_failures) -> bool:
    """A failed load's Failure says no council was at fault (metadata WHOLE_RUN)."""
    for event in step_failures:
        data = event.step_failure_data.user_failure_data
        if data and WHOLE_RUN in data.metadata:
            return True
    return False


def failed_councils(step_failures) -> list[str]:
    """The councils a failed load's Failure names (its metadata `failed_councils`)."""
    for event in step_failures:
        data = event.step_failure_data.user_failure_data
        named = data.metadata.get("failed_councils") if data else None
        if named is not None:
            return sorted(str(named.value).split(","))
    return []


@dg.run_failure_sensor(
    name="alert_on_run_failure",
    description="Emails the operators (RAA_ALERT_TO) when any run fails, including a failed "
    "contract, dbt test or release gate.",
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def alert_on_run_failure(context: dg.RunFailureSensorContext, alerts: AlertResource):
    run = context.dagster_run
    failures = context.get_step_failure_events()
    councils = [] if every_council_refused(failures) else (
        failed_councils(failures) or [run.tags.get(PARTITION_TAG)])  # fmt: skip
    for alert in run_failure_alerts(run.job_name, run.run_id, failures,
                                    context.failure_event.message, councils):  # fmt: skip
        alerts.send(alert, context.log)
