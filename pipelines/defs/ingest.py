"""Ingestion assets: each council's latest submission -> canonical tables, partitioned by council.

The contracts show up as asset checks (one per canonical table) with row and rejection counts.
"""

import dagster as dg
import pandas as pd

from data_contracts.tables import TABLES
from pipelines.defs.resources import ProgressReporter, WarehouseResource
from pipelines.ingest.landing import latest_submission
from pipelines.ingest.outcome import SubmissionOutcome
from pipelines.ingest.submission import ingest_submissions
from pipelines.registry import Registry

CONTRACT_CHECK = "contract"
INGEST_GROUP = "ingest"


def canonical_key(table: str) -> dg.AssetKey:
    return dg.AssetKey(["canonical", table])


def council_partitions(registry: Registry) -> dg.StaticPartitionsDefinition:
    return dg.StaticPartitionsDefinition(registry.codes)


@dg.asset(
    key=canonical_key("councils"),
    group_name=INGEST_GROUP,
    description="The council registry as a table (dim_council reads it).",
)
def council_reference(warehouse: WarehouseResource) -> dg.MaterializeResult:
    registry = warehouse.registry()
    rows = [(c.code, c.name, c.dialect, c.role, c.hub, False) for c in registry.councils]
    rows.append((registry.partnership_code, registry.partnership_name, "none", "partnership",
                 None, True))  # fmt: skip
    with warehouse.connection() as con:
        con.execute("begin transaction")
        con.execute("delete from canonical.councils")
        con.executemany("insert into canonical.councils values (?, ?, ?, ?, ?, ?)", rows)
        con.execute("commit")
    return dg.MaterializeResult(metadata={"councils": len(rows) - 1})


def build_ingest_asset(registry: Registry) -> dg.AssetsDefinition:
    specs = [
        dg.AssetSpec(
            canonical_key(table.name),
            group_name=INGEST_GROUP,
            description=table.description,
            skippable=True,
        )
        for table in TABLES.values()
    ]
    checks = [
        dg.AssetCheckSpec(
            CONTRACT_CHECK,
            asset=canonical_key(table.name),
            description=f"Rows of {table.name} that fail its pandera contract are held back.",
        )
        for table in TABLES.values()
    ]

    @dg.multi_asset(
        name="council_submission",
        specs=specs,
        check_specs=checks,
        partitions_def=council_partitions(registry),
        backfill_policy=dg.BackfillPolicy.single_run(),
        can_subset=True,
        required_resource_keys={"warehouse", "progress"},
        retry_policy=dg.RetryPolicy(max_retries=2, delay=10, backoff=dg.Backoff.EXPONENTIAL),
    )
    def council_submission(context: dg.AssetExecutionContext):
        """Archive, validate and load each council's latest submission (replacing its previous).

        One run may cover a range of council partitions (`raa run`, a single-run backfill):
        every council is tried; a council that fails keeps its previous data (stale)."""
        warehouse: WarehouseResource = context.resources.warehouse
        progress: ProgressReporter = context.resources.progress
        settings = warehouse.settings()
        registry_now = warehouse.registry()
        due = []
        for code in context.partition_keys:
            submission = latest_submission(settings.landing_dir, code)
            if submission is None:
                context.log.warning(f"{code}: no submission in {settings.landing_dir}")
            else:
                due.append((registry_now.get(code), submission))
        progress.report(context, f"loading {len(due)} submission(s) ...")

        def reported(outcome: SubmissionOutcome) -> None:
            progress.report(
                context,
                f"{outcome.council_code} {outcome.submission_id} {outcome.status} "
                f"({outcome.rows_received} rows received, {outcome.rows_rejected} rejected)",
            )

        with warehouse.connection() as con:
            done = ingest_submissions(con, settings, registry_now, due, on_outcome=reported)
        outcomes = [o for o in done if o.status != "failed"]
        failed = [o for o in done if o.status == "failed"]
        if failed:
            yield from _failed_checks(failed)
            raise dg.Failure(
                description="; ".join(
                    f"{o.council_code} submission {o.submission_id} could not be loaded: "
                    f"{o.message}. The previous submission stays in use (stale)."
                    for o in failed
                ),
                metadata={"failed_councils": ",".join(o.council_code for o in failed)},
                allow_retries=False,
            )
        if not outcomes:
            yield from _skipped_checks(
                f"no submission from {', '.join(context.partition_keys)} yet"
            )
            return
        yield from _results(outcomes)

    return council_submission


def _per_table(outcomes: list[SubmissionOutcome]) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {}
    loads = [o.file_loads for o in outcomes if len(o.file_loads)]
    for row in (pd.concat(loads) if loads else pd.DataFrame()).itertuples():
        entry = counts.setdefault(
            row.canonical_table, {"received": 0, "accepted": 0, "rejected": 0}
        )
        entry["received"] += int(row.rows_received)
        entry["accepted"] += int(row.rows_accepted)
        entry["rejected"] += int(row.rows_rejected)
    return counts


def _results(outcomes: list[SubmissionOutcome]):
    counts = _per_table(outcomes)
    submissions = ", ".join(o.submission_id for o in outcomes)
    statuses = ", ".join(sorted({o.status for o in outcomes}))
    for table in TABLES.values():
        entry = counts.get(table.name, {"received": 0, "accepted": 0, "rejected": 0})
        metadata = {
            "submission": submissions,
            "status": statuses,
            "rows_received": entry["received"],
            "rows_accepted": entry["accepted"],
            "rows_rejected": entry["rejected"],
        }
        yield dg.MaterializeResult(asset_key=canonical_key(table.name), metadata=metadata)
        yield dg.AssetCheckResult(
            asset_key=canonical_key(table.name),
            check_name=CONTRACT_CHECK,
            passed=entry["rejected"] == 0,
            severity=dg.AssetCheckSeverity.WARN,
            metadata=metadata,
            description=(
                f"{entry['rejected']} of {entry['received']} rows held back; see the council's "
                "validation report."
                if entry["rejected"]
                else None
            ),
        )


def _failed_checks(outcomes: list[SubmissionOutcome]):
    submissions = ", ".join(f"{o.council_code} {o.submission_id}" for o in outcomes)
    problem = "; ".join(o.message for o in outcomes)[:1000]
    for table in TABLES.values():
        yield dg.AssetCheckResult(
            asset_key=canonical_key(table.name),
            check_name=CONTRACT_CHECK,
            passed=False,
            severity=dg.AssetCheckSeverity.ERROR,
            metadata={"submission": submissions, "problem": problem},
        )


def _skipped_checks(reason: str):
    for table in TABLES.values():
        yield dg.AssetCheckResult(
            asset_key=canonical_key(table.name),
            check_name=CONTRACT_CHECK,
            passed=True,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={"note": reason},
        )
