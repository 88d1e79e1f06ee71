"""The weekly pruning of what earlier submissions sent, once out of use and older than
RAA_RETENTION_DAYS (pipelines/operations/retention.py), and of Dagster's own runs as old: job
`prune_history`, Sundays 04:00."""

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta

import dagster as dg

from pipelines.defs.resources import WAREHOUSE_POOL, WarehouseResource
from pipelines.operations.retention import prune_history

PRUNE_JOB = "prune_history"
PRUNE_OP = "prune_submission_history"
FINISHED = [dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE,
            dg.DagsterRunStatus.CANCELED]  # fmt: skip


def runs_to_prune(
    instance: dg.DagsterInstance,
    retention_days: float,
    check_keys: Iterable[dg.AssetCheckKey],
    running: str | None = None,
) -> list[str]:
    """Finished runs last updated more than `retention_days` ago, except a run that holds the
    latest materialisation of an asset (or of one council's partition) or the latest result of
    a check: deleting it would show the asset as never materialised."""
    cutoff = datetime.now(UTC) - timedelta(days=retention_days)
    old = instance.get_runs(dg.RunsFilter(statuses=FINISHED, updated_before=cutoff))
    if not old:
        return []
    kept = _latest_event_runs(instance, check_keys) | {running}
    return [run.run_id for run in old if run.run_id not in kept]


def _latest_event_runs(
    instance: dg.DagsterInstance, check_keys: Iterable[dg.AssetCheckKey]
) -> set[str]:
    kept = set()
    for key in instance.get_asset_keys():
        latest = instance.get_latest_materialization_event(key)
        if latest is not None:
            kept.add(latest.run_id)
        for partition in instance.get_materialized_partitions(key):
            found = instance.fetch_materializations(
                dg.AssetRecordsFilter(asset_key=key, asset_partitions=[partition]), limit=1
            )
            kept.update(record.run_id for record in found.records)
    executions = instance.event_log_storage.get_latest_asset_check_execution_by_key(
        list(check_keys)
    )
    kept.update(execution.run_id for execution in executions.values() if execution)
    return kept


def prune_job(
    tags: dict[str, str], executor, check_keys: Sequence[dg.AssetCheckKey]
) -> dg.JobDefinition:
    """`check_keys`: every check of the Definitions (a run holding a check's latest result is
    kept)."""

    @dg.op(
        pool=WAREHOUSE_POOL,
        description="Delete earlier submissions' archive copies, council reports and rejected and "
        "queried rows once they are out of use and RAA_RETENTION_DAYS old (recorded in "
        "`audit.prunes`), and Dagster runs that old which hold no asset's latest materialisation or "
        "check result.",
    )
    def prune_submission_history(
        context: dg.OpExecutionContext, warehouse: WarehouseResource
    ) -> dg.Output[str]:
        settings = warehouse.settings()
        runs = runs_to_prune(context.instance, settings.retention_days, check_keys, context.run_id)
        pruned = prune_history(settings, settings.retention_days, dagster_runs=len(runs))
        for run_id in runs:
            context.instance.delete_run(run_id)
        said = f"{pruned.summary()}; {len(runs)} Dagster run(s) deleted"
        context.log.info(said)
        return dg.Output(
            said,
            metadata={**pruned.figures(), "dagster_runs_deleted": len(runs)},
        )

    @dg.job(
        name=PRUNE_JOB,
        tags=tags,
        executor_def=executor,
        description="Prune what earlier submissions sent once out of use and RAA_RETENTION_DAYS "
        "old (archive folders, outbox reports, audit rejections and warnings), and Dagster runs "
        "as old that hold no latest materialisation or check result.",
    )
    def prune_history_job():
        prune_submission_history()

    return prune_history_job


def weekly_prune_schedule(job: dg.JobDefinition) -> dg.ScheduleDefinition:
    return dg.ScheduleDefinition(
        name="weekly_prune",
        cron_schedule="0 4 * * 0",
        execution_timezone="Europe/London",
        job=job,
        description="Sundays 04:00 UK time, after the night's load and build: prune_history.",
        default_status=dg.DefaultScheduleStatus.RUNNING,
    )
