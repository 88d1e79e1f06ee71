"""The one Definitions object: `dagster dev`, `make ui`, `raa run` and the tests all load this."""

from __future__ import annotations

import dagster as dg

from pipelines.defs.finance import funding_formula
from pipelines.defs.ingest import build_ingest_asset, canonical_table_specs, council_reference
from pipelines.defs.operations import (
    alert_on_run_failure,
    build_sensor,
    landing_sensor,
    nightly_schedule,
)
from pipelines.defs.publish import build_freshness_checks, build_publish_asset
from pipelines.defs.reports import BOARD_PACK_JOB, board_pack
from pipelines.defs.resources import AlertResource, ProgressReporter, WarehouseResource
from pipelines.defs.retention import prune_job, weekly_prune_schedule
from pipelines.defs.transform import build_dbt_assets, dbt_resource, ensure_manifest
from pipelines.registry import load_registry
from pipelines.settings import Settings

INGEST_JOB = "ingest_council"
# DuckDB has one writer per file: config/dagster.yaml queues runs with this tag one at a time.
WRITES_WAREHOUSE = {"raa/writes_warehouse": "true"}
TRANSFORM_JOB = "build_warehouse"
# Every job runs its steps in the run's own process, however it is launched (daemon, UI, `raa
# run`'s execute_in_process): the default multiprocess executor starts a Python per step, each
# importing Dagster, dbt and the project again (the demo build took 1 min 57 s that way, against
# ~15 s in one process), and the steps must run one after another anyway (one DuckDB writer).
ONE_PROCESS = dg.in_process_executor
FRESHNESS_JOB = "check_freshness"
MARTS_GROUP = "marts"


def build_definitions(settings: Settings) -> dg.Definitions:
    registry = load_registry(settings.councils_file)
    ingest = build_ingest_asset(registry)
    declared = canonical_table_specs()
    written_by = {spec.key: dep.asset_key for spec in declared for dep in spec.deps}
    models = build_dbt_assets(ensure_manifest(), TRANSFORM_JOB, written_by)
    marts = [key for key, group in models.group_names_by_key.items() if group == MARTS_GROUP]
    published = build_publish_asset(marts)
    freshness = build_freshness_checks(registry)
    interval = settings.sensor_interval_seconds
    ingest_job = dg.define_asset_job(
        INGEST_JOB,
        selection=dg.AssetSelection.assets(ingest),
        description="Load one council's latest submission (one partition per council).",
        tags=WRITES_WAREHOUSE,
        executor_def=ONE_PROCESS,
    )
    transform_job = dg.define_asset_job(
        TRANSFORM_JOB,
        selection=dg.AssetSelection.assets(council_reference, funding_formula, models, published)
        | dg.AssetSelection.checks(freshness),
        description="Rebuild the star schema and marts, check freshness, gate and publish.",
        tags=WRITES_WAREHOUSE,
        executor_def=ONE_PROCESS,
    )
    freshness_job = dg.define_asset_job(
        FRESHNESS_JOB,
        selection=dg.AssetSelection.checks(freshness),
        description="Check every council's last accepted submission against RAA_FRESHNESS_DAYS.",
        tags=WRITES_WAREHOUSE,  # opens the working database
        executor_def=ONE_PROCESS,
    )
    board_pack_job = dg.define_asset_job(
        BOARD_PACK_JOB,
        selection=dg.AssetSelection.assets(board_pack),
        description="Write the board pack (HTML and PDF) for a quarter from the published snapshot.",
        executor_def=ONE_PROCESS,
    )
    checks = [key for assets in (ingest, models, published) for key in assets.check_keys]
    prune = prune_job(WRITES_WAREHOUSE, ONE_PROCESS, [*checks, *freshness.check_keys])
    return dg.Definitions(
        assets=[
            council_reference,
            ingest,
            *declared,
            funding_formula,
            models,
            published,
            board_pack,
        ],
        asset_checks=[freshness],
        jobs=[ingest_job, transform_job, freshness_job, board_pack_job, prune],
        schedules=[nightly_schedule(ingest_job), weekly_prune_schedule(prune)],
        sensors=[
            landing_sensor(ingest_job, interval),
            build_sensor(INGEST_JOB, transform_job, interval),
            alert_on_run_failure,
        ],
        executor=ONE_PROCESS,  # materialisations launched from the asset graph, too
        resources={
            "warehouse": WarehouseResource.from_settings(settings),
            "dbt": dbt_resource(),
            "alerts": AlertResource.from_settings(settings),
            "progress": ProgressReporter(),
        },
    )


@dg.definitions
def defs() -> dg.Definitions:
    return build_definitions(Settings.from_env())
