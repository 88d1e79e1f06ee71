"""dbt models as Dagster assets (staging -> intermediate -> star -> marts); dbt tests show up as
asset checks."""

import os
import sys
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    DbtProject,
    dbt_assets,
)

from pipelines.defs.resources import WarehouseResource
from pipelines.settings import DBT_PROJECT_DIR


class LayerTranslator(DagsterDbtTranslator):
    """Group = top folder (staging, intermediate, star, marts) so the UI shows the layers."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props.get("resource_type") == "model":
            fqn = dbt_resource_props.get("fqn", [])
            return fqn[1] if len(fqn) > 2 else "marts"
        return super().get_group_name(dbt_resource_props)


@cache
def dbt_project() -> DbtProject:
    project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
    project.prepare_if_dev()
    return project


def dbt_environment(warehouse: WarehouseResource) -> None:
    """dbt's profile reads the absolute warehouse path from RAA_DBT_DATABASE."""
    os.environ["RAA_DBT_DATABASE"] = str(warehouse.settings().database)


def build_dbt_assets(manifest: Path) -> dg.AssetsDefinition:
    translator = LayerTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))

    @dbt_assets(manifest=manifest, dagster_dbt_translator=translator, project=dbt_project())
    def raa_dbt_models(
        context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource
    ):
        dbt_environment(warehouse)
        yield from dbt.cli(["build"], context=context).stream()

    return raa_dbt_models


def ensure_manifest(database: Path) -> Path:
    """Parse the dbt project when its manifest is missing or older than any project file.

    `prepare_if_dev` only does this under `dagster dev`; `raa run`, tests and CI call this.
    """
    project = dbt_project()
    manifest = project.manifest_path
    sources = [p for p in DBT_PROJECT_DIR.rglob("*") if p.suffix in {".sql", ".yml", ".csv"}
               and "target" not in p.parts and "logs" not in p.parts]  # fmt: skip
    newest = max(p.stat().st_mtime for p in sources)
    if manifest.exists() and manifest.stat().st_mtime >= newest:
        return manifest
    os.environ.setdefault("RAA_DBT_DATABASE", str(database))
    from dbt.cli.main import dbtRunner

    result = dbtRunner().invoke(
        [
            "parse",
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--quiet",
        ]
    )
    if not result.success:
        raise RuntimeError(f"dbt parse failed: {result.exception}")
    return manifest


def dbt_resource() -> DbtCliResource:
    # The dbt installed beside this Python (the venv's), whether or not the venv is activated.
    executable = Path(sys.executable).parent / "dbt"
    return DbtCliResource(
        project_dir=dbt_project(),
        profiles_dir=str(DBT_PROJECT_DIR),
        dbt_executable=str(executable) if executable.exists() else "dbt",
    )
