"""The weekly pruning of what earlier submissions sent, once out of use and older than
RAA_RETENTION_DAYS (pipelines/operations/retention.py): job `prune_history`, Sundays 04:00."""

import dagster as dg

from pipelines.defs.resources import WAREHOUSE_POOL, WarehouseResource
from pipelines.operations.retention import prune_history

PRUNE_JOB = "prune_history"
PRUNE_OP = "prune_submission_history"


@dg.op(
    pool=WAREHOUSE_POOL,
    description="Delete earlier submissions' archive copies, council reports and rejected and "
    "queried rows once they are out of use and RAA_RETENTION_DAYS old; recorded in "
    "`audit.prunes`.",
)
def prune_submission_history(
    context: dg.OpExecutionContext, warehouse: WarehouseResource
) -> dg.Output[str]:
    settings = warehouse.settings()
    pruned = prune_history(settings, settings.retention_days)
    context.log.info(pruned.summary())
    return dg.Output(
        pruned.summary(),
        metadata={
            "retention_days": settings.retention_days,
            "cutoff": pruned.cutoff.isoformat(sep=" ", timespec="seconds"),
            "submissions": len(pruned.submissions),
            **{f"{table}_deleted": rows for table, rows in pruned.rows.items()},
            "archive_folders": len(pruned.archive_folders),
            "archive_mb": round(pruned.archive_bytes / 1e6, 1),
            "outbox_folders": len(pruned.outbox_folders),
            "kept_in_use": pruned.kept_in_use,
        },
    )


def prune_job(tags: dict[str, str], executor) -> dg.JobDefinition:
    @dg.job(
        name=PRUNE_JOB,
        tags=tags,
        executor_def=executor,
        description="Prune what earlier submissions sent once out of use and RAA_RETENTION_DAYS "
        "old: archive folders, outbox reports, audit rejections and warnings.",
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
