"""dbt models as Dagster assets (staging -> intermediate -> star -> marts); dbt tests show up as
asset checks."""

import os
import shutil
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
from dagster_dbt.asset_utils import default_description_fn
from dagster_dbt.errors import DagsterDbtCliRuntimeError

from pipelines.defs.resources import WAREHOUSE_POOL, AlertResource, WarehouseResource
from pipelines.operations.alerts import withheld_council_alert
from pipelines.operations.build_inputs import inputs_fingerprint, published_build_of
from pipelines.operations.withhold import (
    attribute_failures,
    record_build,
    record_failed_build,
    record_unchanged,
    record_withheld,
    write_withheld_report,
)
from pipelines.platform.dbt_cli import WarehouseDbtCliResource
from pipelines.platform.warm_dbt import raa_dbt, venv_dbt
from pipelines.settings import (
    DBT_PROJECT_DIR,
    DBT_PROJECT_FILES,
    DBT_PROJECT_SOURCES,
    DbtProjectError,
    warehouse_vars,
)

# The nightly build leaves out dbt's unit tests: they check the models' SQL on fixed inputs, not
# the night's data, and CI runs them (tests/transform, tests/finance). Its log file (dbt.log in
# the run's target folder, kept when the build fails) is at info level: nodes, timings, errors.
# At debug level dbt also logs every statement it sends, ~200k lines a night, which cost the
# national build ~1 s and 2-3 CPU s; the SQL of each model stays in target/run.
# No colour codes: its lines go to Dagster's run log and to files, never only to a terminal.
NIGHTLY_BUILD = ["build", "--exclude-resource-type", "unit_test", "--log-level-file", "info",
                 "--no-use-colors"]  # fmt: skip


# The catalog name of the warehouse file (Settings.database, raa.duckdb) when DuckDB opens it.
WAREHOUSE_CATALOG = "raa"


class LayerTranslator(DagsterDbtTranslator):
    """Group = top folder (staging, intermediate, star, marts) so the UI shows the layers; seeds
    are the group `reference`.

    `written_by`: the asset that writes each declared (not materialised) source table. A model
    reading such a table depends on its writer too: an asset backfill ("Materialize all") orders
    its runs by executable parents only, and ran the build before the loads it reads."""

    def __init__(
        self,
        settings: DagsterDbtTranslatorSettings | None = None,
        written_by: Mapping[dg.AssetKey, dg.AssetKey] | None = None,
    ):
        super().__init__(settings)
        self._written_by = dict(written_by or {})

    def get_asset_spec(self, manifest, unique_id, project) -> dg.AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        writers = {self._written_by[dep.asset_key] for dep in spec.deps
                   if dep.asset_key in self._written_by}  # fmt: skip
        writers -= {dep.asset_key for dep in spec.deps}
        return spec.merge_attributes(deps=sorted(writers, key=str)) if writers else spec

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props.get("resource_type") == "model":
            fqn = dbt_resource_props.get("fqn", [])
            return fqn[1] if len(fqn) > 2 else "marts"
        if dbt_resource_props.get("resource_type") == "seed":
            return "reference"  # England averages, fee rates: reference data, not a layer
        return super().get_group_name(dbt_resource_props)

    def get_description(self, dbt_resource_props: Mapping[str, Any]) -> str:
        # A seed is a CSV: its page showed an empty "Raw SQL" block.
        seed = dbt_resource_props.get("resource_type") == "seed"
        return default_description_fn(dbt_resource_props, display_raw_sql=not seed)

    def get_asset_check_spec(self, asset_spec, manifest, unique_id, project):
        spec = super().get_asset_check_spec(asset_spec, manifest, unique_id, project)
        if spec is None or spec.description:
            return spec
        return spec._replace(description=check_description(manifest["nodes"][unique_id]))

    def get_metadata(self, dbt_resource_props: Mapping[str, Any]) -> Mapping[str, Any]:
        # The manifest is parsed without the warehouse file (each build is given it), so its
        # database is profiles.yml's placeholder: name each table as in raa.duckdb instead.
        return super().get_metadata({**dbt_resource_props, "database": WAREHOUSE_CATALOG})


def check_description(test: Mapping[str, Any]) -> str:
    """What a dbt test checks, in words for the asset check's page: a singular test's opening
    comment, or the generic test and its arguments."""
    if not test.get("test_metadata"):
        lines = [line.strip()[2:].strip() for line in test.get("raw_code", "").splitlines()
                 if line.strip().startswith("--")]  # fmt: skip
        return " ".join(lines) or f"dbt test {test['name']}."
    name, kwargs = test["test_metadata"]["name"], test["test_metadata"].get("kwargs", {})
    column = f"`{kwargs.get('column_name')}`"
    said = {
        "unique": f"No two rows have the same {column}.",
        "not_null": f"{column} is never empty.",
        "unique_combination": "One row per " + ", ".join(kwargs.get("columns", [])) + ": the "
        "model's grain.",
        "accepted_values": f"{column} is one of: " + ", ".join(map(str, kwargs.get("values", [])))
        + ".",
        "relationships": f"Every {column} is a `{kwargs.get('field')}` of "
        + str(kwargs.get("to", "")).removeprefix("ref('").removesuffix("')") + ".",
        "single_row": "Exactly one row.",
    }  # fmt: skip
    return (
        said.get(name, f"dbt test {name}.") + " A failure fails the build (or withholds the "
        "council whose rows break it) and keeps the last published snapshot."
    )


@cache
def dbt_project() -> DbtProject:
    # No prepare_if_dev(): under `dagster dev` it runs `dbt parse` through a `dbt` found on PATH
    # (none outside the venv). build_definitions parses in this process instead, under every
    # command, when the manifest is missing or stale (ensure_manifest).
    return DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


# The dbt build's op (its config: BuildConfig).
DBT_OP = "raa_dbt_models"
# Set on every run of the dbt step: `no` when nothing was new, so the runs list can tell a
# night that built from one that left the published snapshot standing.
BUILT_TAG = "raa/built"


class BuildConfig(dg.Config):
    # The nightly job builds only when something is new since the published build; true builds
    # and publishes all the same (`raa run --rebuild`, or the Launchpad).
    rebuild: bool = False


def build_dbt_assets(
    manifest: Path,
    nightly_job: str | None = None,
    written_by: Mapping[dg.AssetKey, dg.AssetKey] | None = None,
) -> dg.AssetsDefinition:
    """`nightly_job`: the job whose build is skipped when nothing is new since the published
    build (a materialisation asked for by hand always builds). `written_by`: see
    LayerTranslator."""
    translator = LayerTranslator(
        settings=DagsterDbtTranslatorSettings(
            enable_asset_checks=True, enable_source_tests_as_checks=True
        ),
        written_by=written_by,
    )

    @dbt_assets(
        manifest=manifest,
        dagster_dbt_translator=translator,
        project=dbt_project(),
        pool=WAREHOUSE_POOL,
    )
    def raa_dbt_models(
        context: dg.AssetExecutionContext,
        config: BuildConfig,
        dbt: DbtCliResource,
        warehouse: WarehouseResource,
        alerts: AlertResource,
    ):
        settings = warehouse.settings()
        database = settings.database
        with warehouse.connection() as con:
            inputs = inputs_fingerprint(con, warehouse_vars(database))
            published = published_build_of(con, inputs, settings.published_dir)
        if published and context.dagster_run.job_name == nightly_job and not config.rebuild:
            context.log.info(
                f"Nothing is new since build {published[0][:8]}, published as snapshot "
                f"{published[1]}: the same submissions, registry, formula and code. Not built "
                "or published again (the snapshot stands); config `rebuild: true` builds anyway."
            )
            context.instance.add_run_tags(context.run_id, {BUILT_TAG: "no"})
            record_unchanged(database, context.run_id, published[0])
            return
        context.instance.add_run_tags(context.run_id, {BUILT_TAG: "yes"})
        invocation = dbt.cli([*NIGHTLY_BUILD, *warehouse_vars(database)], context=context)
        # Failed tests are held back until we know whether withholding a council mends the
        # build (a failed blocking check would fail the step); the rest streams as it comes.
        held: list = []
        sent: set = set()
        try:
            for event in invocation.stream():
                if isinstance(event, dg.AssetCheckResult) and not event.passed:
                    held.append(event)
                    continue
                sent.add(_event_key(event))
                yield event
        except DagsterDbtCliRuntimeError:
            withheld = yield from _build_withholding(context, dbt, warehouse, alerts, invocation,
                                                     sent)  # fmt: skip
            if withheld is None:
                tests = f" ({len(held)} failed test(s))" if held else ""
                record_failed_build(database, context.run_id,
                                    f"dbt build failed{tests}; dbt's log: "
                                    f"{Path(invocation.target_path) / 'dbt.log'}")  # fmt: skip
                yield from held
                raise
            invocation = withheld
        record_build(database, context.run_id, inputs)
        keep_partial_parse(Path(invocation.target_path))
        # dagster-dbt leaves one target folder per run (~10 MB each): keep a failed run's for
        # debugging (an error stops before this line), drop a successful one's.
        shutil.rmtree(invocation.target_path, ignore_errors=True)
        prune_kept_targets(Path(invocation.target_path).parent, context.op.name)

    return raa_dbt_models


# Failed builds' target folders kept for debugging (~10 MB each): the newest are enough.
KEPT_FAILED_BUILDS = 20


def prune_kept_targets(target: Path, op_name: str, keep: int = KEPT_FAILED_BUILDS) -> None:
    """Remove all but the `keep` newest run folders dagster-dbt left in `target`."""
    aged = []
    for folder in target.glob(f"{op_name}-*"):
        try:  # another process may be removing its own folder meanwhile
            aged.append((folder.stat().st_mtime, folder))
        except OSError:
            continue
    for _, folder in sorted(aged, reverse=True)[keep:]:
        shutil.rmtree(folder, ignore_errors=True)


def _event_key(event) -> tuple:
    if isinstance(event, dg.Output):
        return ("output", event.output_name)
    if isinstance(event, dg.AssetCheckResult):
        return ("check", str(event.asset_key), event.check_name)
    if isinstance(event, dg.AssetMaterialization):
        return ("materialization", str(event.asset_key))
    return ("other", id(event))


def _build_withholding(context, dbt, warehouse, alerts, failed, sent: set):
    """After a failed build: when every failure is a test whose rows belong to known councils,
    build again without them (yielding what the first build did not), record and tell why, and
    return the second invocation; None when the failure is not a council's (fail as before)."""
    settings = warehouse.settings()
    registry = warehouse.registry()
    target = Path(failed.target_path)
    try:
        attribution = attribute_failures(target, settings.database, registry.codes,
                                         registry.partnership_code)  # fmt: skip
    except (OSError, ValueError, KeyError) as error:
        context.log.error(f"could not attribute the dbt failures to councils: {error}")
        return None
    if not attribution.can_withhold:
        context.log.error(f"no council withheld: {attribution.why_not()}")
        return None
    councils = sorted(attribution.councils)
    if set(councils) >= set(registry.codes):
        context.log.error("every council breaks a test: nothing left to publish")
        return None
    context.log.warning(
        f"withholding {', '.join(councils)}: their data breaks "
        + ", ".join(sorted({t.name for t in attribution.tests}))
        + "; building again without them"
    )
    again = dbt.cli(
        [*NIGHTLY_BUILD, *warehouse_vars(settings.database, withheld_councils=councils)],
        context=context,
        raise_on_error=False,
    )
    events = []
    for event in again.stream():
        if _event_key(event) not in sent:
            events.append(event)
    if not again.is_successful():
        context.log.error("the build without " + ", ".join(councils) + " failed too")
        return None
    rows = record_withheld(settings.database, context.run_id, attribution)
    for row in rows:
        code = row["council_code"]
        write_withheld_report(settings.outbox_dir, code, context.run_id, row["message"],
                              row["failing_tests"])  # fmt: skip
        alerts.send(withheld_council_alert(code, context.run_id, row["failing_tests"],
                                           row["message"]), context.log)  # fmt: skip
    for event in events:
        if isinstance(event, dg.Output):
            event = event.with_metadata(
                {**event.metadata, "withheld_councils": ", ".join(councils)}
            )
        yield event
    # The first build's target folder stays, as a failed build's does: its dbt.log and
    # run_results.json show the rows that got the council withheld.
    return again


def keep_partial_parse(run_target: Path) -> None:
    """Make this run's parse state the one the next run starts from.

    dagster-dbt gives every run its own target folder and seeds it with the project target's
    partial_parse.msgpack; dbt only reuses that when the profile is the same, and the profile
    holds the warehouse path. Copied back after each build, the next night's build with the same
    warehouse skips the full parse (~3 s); another warehouse (tests) simply parses in full.
    """
    parsed = run_target / "partial_parse.msgpack"
    if not parsed.exists():
        return
    project = dbt_project()
    kept = Path(project.project_dir) / project.target_path / parsed.name
    temporary = kept.with_name(f".{parsed.name}.{os.getpid()}.tmp")
    shutil.copyfile(parsed, temporary)
    os.replace(temporary, kept)


def ensure_manifest() -> Path:
    """Parse the dbt project when its manifest is missing or older than any project file (parsing
    opens no warehouse: the profile's path may be unset)."""
    project = dbt_project()
    manifest = project.manifest_path
    sources = [DBT_PROJECT_DIR / name for name in DBT_PROJECT_FILES]
    for folder in DBT_PROJECT_SOURCES:
        sources += (DBT_PROJECT_DIR / folder).rglob("*")
    newest = max(p.stat().st_mtime for p in sources
                 if p.suffix in {".sql", ".yml", ".csv", ".md"} and p.exists())  # fmt: skip
    if manifest.exists() and manifest.stat().st_mtime >= newest:
        return manifest
    from dbt.cli.main import dbtRunner

    result = dbtRunner().invoke(
        [
            "parse",
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--quiet",
            "--no-use-colors",
        ]
    )
    if not result.success:
        raise DbtProjectError(
            f"the dbt project in {DBT_PROJECT_DIR} does not parse (dbt's errors are above); "
            "nothing was loaded or built. Correct the model or YAML file dbt names."
        )
    return manifest


def dbt_resource() -> DbtCliResource:
    # The dbt installed beside this Python (the venv's), whether or not the venv is activated,
    # through `raa-dbt`: that is dbt started ahead when `raa run` did so (pipelines/platform/warm_dbt.py),
    # else the venv's dbt itself.
    executable = raa_dbt() if raa_dbt().exists() else venv_dbt()
    return WarehouseDbtCliResource(
        project_dir=dbt_project(),
        profiles_dir=str(DBT_PROJECT_DIR),
        dbt_executable=str(executable) if executable.exists() else "dbt",
    )
