"""The whole product as a newcomer runs it, and the shape of the Dagster definitions."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from dagster._core.instance.ref import InstanceRef

from pipelines.definitions import INGEST_JOB, TRANSFORM_JOB, build_definitions
from pipelines.defs.ingest import SUBMISSION_KEY
from pipelines.defs.transform import LayerTranslator
from pipelines.settings import Settings

MARTS = {
    "scorecard_timeliness", "raa_quarterly", "raa_monthly", "children_waiting", "adopter_pipeline",
    "placement_sufficiency", "adoption_support", "priority_children", "cost_apportionment",
    "budget_variance", "interagency_recharges", "formula_comparison",
}  # fmt: skip


def test_definitions_have_every_asset_check_and_job(tmp_path):
    defs = build_definitions(Settings.from_env(warehouse_dir=tmp_path, pseudonym_key="k"))
    graph = defs.resolve_asset_graph()
    keys = {"/".join(k.path) for k in graph.get_all_asset_keys()}
    assert {"canonical/episodes", "canonical/councils", "funding_formula/formula_versions"} <= keys
    assert {k.split("/")[-1] for k in keys} >= MARTS
    checks = {(("/".join(c.asset_key.path)), c.name) for c in graph.asset_check_keys}
    assert ("canonical/council_submission", "contract") in checks
    partitions = defs.resolve_job_def(INGEST_JOB).partitions_def
    assert partitions.get_partition_keys() == ["NTH", "ASH", "FEN", "KIL", "RAA"]
    for job in (INGEST_JOB, TRANSFORM_JOB):
        assert defs.resolve_job_def(job).tags.get("raa/writes_warehouse") == "true"


def test_the_ui_names_tables_as_in_the_warehouse_and_shows_every_description(tmp_path):
    """The asset pages' Storage line was `warehouse_database-var-is-not-set.marts.<table>` (the
    manifest's placeholder database), and descriptions with `<published>` lost the word (the
    UI reads them as Markdown, so as an HTML tag)."""
    defs = build_definitions(Settings.from_env(warehouse_dir=tmp_path, pseudonym_key="k"))
    specs = list(defs.resolve_all_asset_specs())
    tables = {spec.metadata["dagster/table_name"] for spec in specs
              if "dagster/table_name" in spec.metadata}  # fmt: skip
    assert "raa.marts.scorecard_timeliness" in tables
    assert all(table.startswith("raa.") for table in tables), sorted(tables)[:5]
    # Whichever database the manifest was parsed with (the default when `make ui` parses it).
    parsed = {"resource_type": "model", "database": "warehouse_database-var-is-not-set",
              "schema": "marts", "alias": "raa_monthly", "name": "raa_monthly", "config": {}}  # fmt: skip
    assert LayerTranslator().get_metadata(parsed)["dagster/table_name"] == "raa.marts.raa_monthly"
    tagged = [spec.key for spec in specs if re.search(r"<[a-z_]+>", spec.description or "")]
    assert not tagged
    # A seed's page showed an empty "Raw SQL" block; the five formula tables one description.
    by_key = {"/".join(spec.key.path): spec.description or "" for spec in specs}
    assert "Raw SQL" not in by_key["reference/comparators"] and by_key["reference/comparators"]
    assert "Raw SQL" in by_key["marts/raa_monthly"]
    formula = [said for key, said in by_key.items() if key.startswith("funding_formula/")]
    assert len(formula) == len(set(formula)) == 5
    # Each check says what it checks (dbt's tests had "No description provided").
    checks = {check.name: check.description
              for assets in defs.resolve_asset_graph().assets_defs for check in assets.check_specs}  # fmt: skip
    assert len(checks) > 100 and not [name for name, said in checks.items() if not said]
    assert checks["unique_dim_child_child_id"].startswith("No two rows have the same `child_id`.")
    assert checks["assert_raa_monthly_adds_up_to_quarters"].startswith("A unit's months add up")


def test_materialize_all_orders_the_loads_before_the_build(tmp_path):
    """An asset backfill ("Materialize all" in the UI) orders its runs by executable parents
    only: with the canonical tables declared between the loads and dbt's staging models, the
    daemon launched the build and the loads in the same second and the build published first
    (operator probe). Every asset reached through a declared one also depends on its writer."""
    defs = build_definitions(Settings.from_env(warehouse_dir=tmp_path, pseudonym_key="k"))
    graph = defs.resolve_asset_graph()
    missing = {}
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        if not node.is_executable:
            continue
        for declared in (graph.get(p) for p in node.parent_keys):
            writers = {w for w in declared.parent_keys if graph.get(w).is_executable}
            if not declared.is_executable and writers - node.parent_keys:
                missing["/".join(key.path)] = sorted(str(w) for w in writers - node.parent_keys)
    assert not missing
    episodes = graph.get(dg.AssetKey(["staging", "stg_canonical__episodes"]))
    assert SUBMISSION_KEY in episodes.parent_keys


def test_instance_config_runs_one_warehouse_writer_at_a_time(tmp_path, monkeypatch):
    """DuckDB has one writer per file: the shipped dagster.yaml queues writing runs singly."""

    from pipelines.run import dagster_instance

    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    config = dagster_instance().get_concurrency_config()
    assert {
        "key": "raa/writes_warehouse",
        "limit": 1,
    } in config.run_queue_config.tag_concurrency_limits
    # the pool every asset is in: one run holding any of them at a time
    assert config.pool_config.default_pool_limit == 1
    assert config.pool_config.pool_granularity.value == "run"


@pytest.mark.slow
def test_raa_run_from_an_empty_landing_folder_builds_every_mart(tmp_path: Path):
    """`make run` is `raa run --demo-if-empty`: from nothing to a warehouse and a headline."""
    env = {
        **os.environ,
        "RAA_LANDING_DIR": str(tmp_path / "landing"),
        "RAA_WAREHOUSE_DIR": str(tmp_path / "warehouse"),
        "DAGSTER_HOME": str(tmp_path / "dagster"),
        "RAA_PSEUDONYM_KEY": "e2e-test-key",
    }
    raa = Path(sys.executable).parent / "raa"
    result = subprocess.run(
        [str(raa), "run", "--demo-if-empty"], env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "generating the demo region" in result.stdout
    assert "REGION" in result.stdout and "a10_days" in result.stdout
    published = tmp_path / "warehouse" / "published" / "raa.duckdb"  # what analysts open
    assert f"published for analysts (read-only; Parquet beside it): {published}" in result.stdout

    con = duckdb.connect(str(tmp_path / "warehouse" / "raa.duckdb"), read_only=True)
    tables = {t for (t,) in con.sql(
        "select table_name from information_schema.tables where table_schema = 'marts'"
    ).fetchall()}  # fmt: skip
    assert tables >= MARTS
    region = con.sql(
        """select children_adopted, a10_mean_days, a2_mean_days from marts.scorecard_timeliness
           where council_code = 'REGION' and window_years = 1 and window_end = date '2022-03-31'"""
    ).fetchone()
    adopted, a10, a2 = region
    assert 60 <= adopted <= 160  # about a hundred adoptions a year, like the seed reports
    assert 200 <= a10 <= 700 and 60 <= a2 <= 400  # hundreds of days
    loads = con.sql(
        "select sum(rows_received), sum(rows_accepted + rows_rejected) from audit.file_loads"
    ).fetchone()
    assert loads[0] == loads[1] > 0

    status = subprocess.run([str(raa), "status"], env=env, capture_output=True, text=True)
    assert status.returncode == 0 and "NTH" in status.stdout and "ok" in status.stdout
    con.close()

    # The next night after an upgrade whose seeds gained a column: the warehouse's seed tables
    # are the earlier release's (dbt would insert the new CSV into them and fail every build).
    # An upgrade's new CSV is new code, so its night builds; here the CSV is the same: --rebuild.
    with duckdb.connect(str(tmp_path / "warehouse" / "raa.duckdb")) as con:
        con.execute("alter table reference.placing_agencies drop column place_provider_code")
    again = subprocess.run([str(raa), "run", "--rebuild"], env=env, capture_output=True, text=True,
                           timeout=600)  # fmt: skip
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]
    with duckdb.connect(str(tmp_path / "warehouse" / "raa.duckdb"), read_only=True) as con:
        assert con.execute("select count(place_provider_code) from reference.placing_agencies"
                           ).fetchone()[0] > 0  # fmt: skip

    # Nothing new that night: each council's partition still shows its own rows in use (one
    # run loads every partition, and Dagster shows the run's metadata on each).
    instance = dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(tmp_path / "dagster")))
    event = instance.get_latest_materialization_event(SUBMISSION_KEY)
    by_council = event.asset_materialization.metadata["by_council"].value.splitlines()
    ash = next(line for line in by_council if line.startswith("| ASH |"))
    received = int(ash.split("|")[4].replace(",", ""))
    assert "| unchanged |" in ash and received > 1000, ash
    instance.dispose()


def test_the_production_code_never_imports_the_demo_generator():
    """demo/ is its own package: only the two demo commands of the CLI load it, when asked."""
    import ast

    from pipelines.settings import PROJECT_ROOT

    importers = []
    for path in (PROJECT_ROOT / "pipelines").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = (
                [a.name for a in node.names] if isinstance(node, ast.Import)
                else [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            )  # fmt: skip
            if any(n == "demo" or n.startswith("demo.") for n in names):
                importers.append(path.relative_to(PROJECT_ROOT).as_posix())
    assert sorted(importers) == ["pipelines/cli.py", "pipelines/cli.py"]
