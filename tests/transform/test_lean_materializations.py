"""Our lean `table` and `view` materializations (dbt_project/macros/materializations/): a model
that breaks its contract, or a null in a not-null column, fails and leaves the last good table in
place; every model of the real project is built exactly as its contract says."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest
import yaml

from pipelines.settings import DBT_PROJECT_DIR

MATERIALIZATIONS = DBT_PROJECT_DIR / "macros" / "materializations"
THING = """
select {{ var('id') }} as id, {{ var('label') }} as label {{ var('extra', '') }}
"""
THING_CONTRACT = {
    "version": 2,
    "models": [
        {
            "name": "thing",
            "config": {"materialized": "table", "contract": {"enforced": True}},
            "columns": [
                {"name": "id", "data_type": "int", "constraints": [{"type": "not_null"}]},
                {"name": "label", "data_type": "text"},
            ],
        },
        {"name": "thing_view"},
    ],
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "models").mkdir(parents=True)
    shutil.copytree(MATERIALIZATIONS, root / "macros")
    (root / "dbt_project.yml").write_text(
        yaml.safe_dump({"name": "lean", "version": "1.0", "config-version": 2, "profile": "lean"})
    )
    profile = {"type": "duckdb", "path": str(tmp_path / "lean.duckdb"), "threads": 1}
    (root / "profiles.yml").write_text(
        yaml.safe_dump({"lean": {"target": "dev", "outputs": {"dev": profile}}})
    )
    (root / "models" / "thing.sql").write_text(THING)
    (root / "models" / "thing_view.sql").write_text(
        "{{ config(materialized=var('view_as', 'view')) }} "
        "select id * 2 as twice from {{ ref('thing') }}"
    )
    (root / "models" / "schema.yml").write_text(yaml.safe_dump(THING_CONTRACT))
    return root


def run(project: Path, **variables: str):
    from dbt.cli.main import dbtRunner

    return dbtRunner().invoke([
        "run", "--project-dir", str(project), "--profiles-dir", str(project),
        "--target-path", str(project / "target"), "--log-path", str(project / "logs"),
        "--vars", json.dumps(variables), "--quiet",
    ])  # fmt: skip


def rows(project: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(project.parent / "lean.duckdb")) as con:
        return con.sql(sql).fetchall()


def failure(result) -> str:
    return " ".join(str(r.message) for r in result.result.results if r.status == "error")


def test_a_model_is_replaced_and_its_view_follows(project):
    assert run(project, id="1", label="'first'").success
    assert run(project, id="2", label="'second'").success
    assert rows(project, "select * from main.thing") == [(2, "second")]
    assert rows(project, "select * from main.thing_view") == [(4,)]
    types = rows(project, "select data_type from duckdb_columns() where table_name = 'thing'")
    assert types == [("INTEGER",), ("VARCHAR",)]


def test_a_view_can_become_a_table_and_back(project):
    kinds = "select table_type from information_schema.tables where table_name = 'thing_view'"
    assert run(project, id="1", label="'a'").success
    assert rows(project, kinds) == [("VIEW",)]
    assert run(project, id="2", label="'b'", view_as="table").success
    assert rows(project, kinds) == [("BASE TABLE",)]
    assert rows(project, "select * from main.thing_view") == [(4,)]
    assert run(project, id="3", label="'c'").success
    assert rows(project, kinds) == [("VIEW",)]
    assert rows(project, "select * from main.thing_view") == [(6,)]


@pytest.mark.parametrize(
    ("variables", "told"),
    [
        ({"id": "2", "label": "42"}, "label: the model gives INTEGER, the contract says VARCHAR"),
        (
            {"id": "2", "label": "'x'", "extra": ", 1 as more"},
            "more: in the model (INTEGER), not in",
        ),
        ({"id": "null::int", "label": "'x'"}, "NOT NULL constraint failed: thing.id"),
    ],
    ids=["wrong type", "extra column", "null in a not-null column"],
)
def test_a_broken_build_fails_and_keeps_the_last_good_table(project, variables, told):
    assert run(project, id="1", label="'good'").success
    result = run(project, **variables)
    assert not result.success
    assert told in failure(result)
    assert rows(project, "select * from main.thing") == [(1, "good")]


def test_every_contracted_model_is_built_as_its_contract_says(built):
    manifest = json.loads((built.database.parent / "target" / "manifest.json").read_text())
    checked = 0
    with duckdb.connect(str(built.database)) as con:
        for node in manifest["nodes"].values():
            if node["resource_type"] != "model" or not node["config"]["contract"]["enforced"]:
                continue
            found = con.execute(
                "select lower(column_name), data_type, is_nullable from duckdb_columns() "
                "where schema_name = ? and table_name = ? order by column_index",
                [node["schema"], node["alias"]],
            ).fetchall()
            if not found:  # a model the scenario build leaves out (finance)
                continue
            expected = [
                (
                    name.lower(),
                    con.sql(f"select typeof(cast(null as {column['data_type']}))").fetchone()[0],
                    not any(c["type"] in ("not_null", "primary_key")
                            for c in column.get("constraints", [])),
                )
                for name, column in node["columns"].items()
            ]  # fmt: skip
            assert found == expected, node["name"]
            checked += 1
    assert checked >= 20
