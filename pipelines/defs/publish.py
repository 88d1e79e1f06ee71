"""Publishing as Dagster assets: the published snapshot (behind the release gate) and each
council's submission freshness (WARN checks that also email the operators)."""

from collections.abc import Sequence
from datetime import datetime

import dagster as dg

from pipelines.defs.ingest import canonical_key
from pipelines.defs.resources import WAREHOUSE_POOL, AlertResource, WarehouseResource
from pipelines.operations.alerts import stale_council_alert
from pipelines.operations.freshness import council_freshness
from pipelines.publish.layout import data_docs_dir, published_database
from pipelines.publish.release import publish_release
from pipelines.registry import Registry

PUBLISH_GROUP = "publish"
PUBLISHED_SNAPSHOT = dg.AssetKey("published_snapshot")
RELEASE_GATE = "release_gate"


def freshness_check_name(code: str) -> str:
    return f"fresh_submission_{code}"


def build_publish_asset(mart_keys: Sequence[dg.AssetKey]) -> dg.AssetsDefinition:
    @dg.asset(
        pool=WAREHOUSE_POOL,
        key=PUBLISHED_SNAPSHOT,
        group_name=PUBLISH_GROUP,
        deps=list(mart_keys),
        check_specs=[
            dg.AssetCheckSpec(
                RELEASE_GATE,
                asset=PUBLISHED_SNAPSHOT,
                blocking=True,
                description="Expectations over the marts (Great Expectations suite and Data Docs "
                "when it fails); must pass to publish.",
            )
        ],
        retry_policy=dg.RetryPolicy(max_retries=2, delay=5, backoff=dg.Backoff.EXPONENTIAL),
        description="What analysts query: `$RAA_WAREHOUSE_DIR/published/raa.duckdb` (read-only, suppressed), "
        "parquet/, restricted/ and data_docs/. Switched atomically; a failed gate keeps the old.",
    )
    def published_snapshot(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
        settings = warehouse.settings()
        outcome = publish_release(settings, warehouse.registry(), context.run_id,
                                  settings.row_count_tolerance, settings.data_docs)  # fmt: skip
        gate_metadata = {
            "expectations": outcome.gate.checks,
            "failures": len(outcome.gate.failures),
            "gate_seconds": round(outcome.gate.seconds, 2),
            "ge_data_docs": outcome.gate.data_docs,
            "data_docs": dg.MetadataValue.path(str(data_docs_dir(settings.published_dir))),
        }
        if not outcome.published:
            context.log.error(outcome.message)
            raise dg.Failure(
                description=outcome.message
                + f" Data Docs: {data_docs_dir(settings.published_dir) / 'index.html'}.",
                metadata=gate_metadata,
                allow_retries=False,
            )
        if outcome.withheld:
            context.log.warning(f"marts with no disclosure rule, not published: {outcome.withheld}")
        if outcome.withheld_columns:
            context.log.warning(
                f"numbers with no disclosure rule, not published: {outcome.withheld_columns} "
                "(declare each in pipelines/publish/catalogue.py: a count, a figure derived "
                "from counts, or not a count)"
            )
        context.log.info(f"{outcome.message} in {outcome.seconds:.1f}s")
        yield dg.MaterializeResult(
            asset_key=PUBLISHED_SNAPSHOT,
            metadata={
                "snapshot": outcome.snapshot_id,
                "path": dg.MetadataValue.path(str(published_database(settings.published_dir))),
                "submissions": ", ".join(
                    f"{s['council_code']}:{s['submission_id']}" for s in outcome.submissions
                ),
                "rows": dg.MetadataValue.json({t.name: t.rows for t in outcome.tables}),
                "withheld_marts": ", ".join(outcome.withheld) or "none",
                "withheld_columns": ", ".join(outcome.withheld_columns) or "none",
                "withheld_councils": ", ".join(sorted(outcome.withheld_councils)) or "none",
                "publish_seconds": round(outcome.seconds, 2),
            },
        )
        yield dg.AssetCheckResult(
            asset_key=PUBLISHED_SNAPSHOT, check_name=RELEASE_GATE, passed=True,
            metadata=gate_metadata,
        )  # fmt: skip

    return published_snapshot


def build_freshness_checks(registry: Registry) -> dg.AssetChecksDefinition:
    codes = registry.codes
    specs = [
        dg.AssetCheckSpec(
            freshness_check_name(code),
            asset=canonical_key("councils"),
            description=f"{code}'s last accepted submission is within RAA_FRESHNESS_DAYS.",
        )
        for code in codes
    ]

    @dg.multi_asset_check(
        specs=specs, name="council_freshness", can_subset=True, pool=WAREHOUSE_POOL
    )
    def council_freshness_checks(
        context: dg.AssetCheckExecutionContext,
        warehouse: WarehouseResource,
        alerts: AlertResource,
    ):
        limit = warehouse.settings().freshness_days
        selected = {key.name for key in context.selected_asset_check_keys}
        with warehouse.connection() as con:
            found = council_freshness(con, codes, limit, datetime.now())
        departed = registry.departed(datetime.now().date())
        for council in found:
            name = freshness_check_name(council.council_code)
            if name not in selected:
                continue
            left = departed.get(council.council_code)
            if left is not None:  # no more exports are expected
                yield dg.AssetCheckResult(
                    asset_key=canonical_key("councils"), check_name=name, passed=True,
                    description=f"{council.council_code} left the partnership on {left:%d/%m/%Y}: "
                    "no more submissions are expected.",
                    metadata={"submission": council.submission_id or "none"},
                )  # fmt: skip
                continue
            if council.is_stale:
                context.log.warning(council.problem)
                alerts.send(stale_council_alert(council.council_code, council.problem, limit),
                            context.log)  # fmt: skip
            yield dg.AssetCheckResult(
                asset_key=canonical_key("councils"),
                check_name=name,
                passed=not council.is_stale,
                severity=dg.AssetCheckSeverity.WARN,
                description=council.problem if council.is_stale else None,
                metadata={
                    "submission": council.submission_id or "none",
                    "age_days": round(council.age_days, 2) if council.age_days is not None else -1,
                    "limit_days": limit,
                },
            )

    return council_freshness_checks
