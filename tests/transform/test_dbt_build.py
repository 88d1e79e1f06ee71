"""The whole adoption dbt project (models, data tests, unit tests) builds on the scenario."""

import duckdb
import pytest


def test_dbt_build_succeeds(built):
    failures = [
        f"{r.node.unique_id}: {r.status} {r.message}"
        for r in (built.result.result or [])
        if str(r.status) not in ("success", "pass")
    ]
    assert built.result.success, failures or built.result.exception
    assert not failures


def test_unit_tests_ran(built):
    unit = [r for r in built.result.result if r.node.resource_type == "unit_test"]
    assert len(unit) >= 3


def test_contracts_enforce_the_keys_dropped_as_tests(built):
    """The not_null tests became contract constraints: the built tables must carry them, and
    DuckDB must refuse a null key (a null key fails that model's build, keeping the old table)."""
    constraints = set(
        built.rows(
            """select schema_name || '.' || table_name, constraint_type, constraint_column_names[1]
               from duckdb_constraints() where constraint_type in ('NOT NULL', 'PRIMARY KEY')"""
        )
    )
    assert {
        ("marts.scorecard_timeliness", "NOT NULL", "council_code"),
        ("marts.scorecard_timeliness", "NOT NULL", "window_start"),
        ("star.fct_adoption_journeys", "NOT NULL", "journey_key"),
        ("star.dim_council", "PRIMARY KEY", "council_code"),
    } <= constraints
    with duckdb.connect(str(built.database)) as con, pytest.raises(duckdb.ConstraintException):
        con.execute("insert into star.fct_adoption_journeys (journey_key) values (null)")
