"""The one Definitions object: `dagster dev`, `make ui`, `raa run` and the tests all load this."""

from __future__ import annotations

import dagster as dg

from pipelines.defs.finance import funding_formula
from pipelines.defs.ingest import build_ingest_asset, council_reference
from pipelines.defs.resources import WarehouseResource
from pipelines.defs.transform import build_dbt_assets, dbt_resource, ensure_manifest
from pipelines.registry import load_registry
from pipelines.settings import Settings

INGEST_JOB = "ingest_council"
# DuckDB has one writer per file: config/dagster.yaml queues runs with this tag one at a time.
WRITES_WAREHOUSE = {"raa/writes_warehouse": "true"}
TRANSFORM_JOB = "build_warehouse"


def build_definitions(settings: Settings) -> dg.Definitions:
    registry = load_registry(settings.councils_file)
    ingest = build_ingest_asset(registry)
    models = build_dbt_assets(ensure_manifest(settings.database))
    ingest_job = dg.define_asset_job(
        INGEST_JOB,
        selection=dg.AssetSelection.assets(ingest),
        description="Load one council's latest submission (one partition per council).",
        tags=WRITES_WAREHOUSE,
    )
    transform_job = dg.define_asset_job(
        TRANSFORM_JOB,
        selection=dg.AssetSelection.assets(council_reference, funding_formula, models),
        description="Rebuild the star schema and marts from the canonical tables.",
        tags=WRITES_WAREHOUSE,
    )
    return dg.Definitions(
        assets=[council_reference, ingest, funding_formula, models],
        jobs=[ingest_job, transform_job],
        resources={"warehouse": WarehouseResource(), "dbt": dbt_resource()},
    )


@dg.definitions
def defs() -> dg.Definitions:
    return build_definitions(Settings.from_env())
