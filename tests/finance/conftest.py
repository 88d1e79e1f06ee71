"""Shared fixtures for the funding-formula tests: a small registry and a valid formula dict."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from pipelines.registry import Council, Registry
from pipelines.settings import warehouse_vars


@pytest.fixture
def registry() -> Registry:
    """Three partner councils and the agency's own system (which takes no share)."""
    return Registry(
        partnership_code="REGION",
        partnership_name="Test partnership",
        councils=(
            Council("AAA", "Council A", "ssda903"),
            Council("BBB", "Council B", "mosaic"),
            Council("CCC", "Council C", "liquidlogic"),
            Council("RAA", "Agency system", "charms", role="agency"),
        ),
    )


VALID = {
    "versions": [
        {
            "id": "v2019",
            "effective_from": "2019-04-01",
            "effective_to": "2022-03-31",
            "pools": {"central_hub": "formula", "locality_hub": "owning_council"},
            "drivers": {
                "placement_orders": {"weight": 0.5, "basis": "single_year"},
                "adm_decisions": {"weight": 0.5, "basis": "single_year"},
            },
        },
        {
            "id": "v2022",
            "effective_from": "2022-04-01",
            "demand_lag_years": 1,
            "transitional_limit": 0.05,
            "pools": {"central_hub": "formula", "interagency_fees": "child_council"},
            "base_share": {"weight": 0.1, "shares": {"AAA": 0.5, "BBB": 0.3, "CCC": 0.2}},
            "drivers": {
                "placement_orders": {"weight": 0.6, "basis": "rolling_3yr"},
                "approvals": {"weight": 0.3, "basis": "single_year"},
            },
        },
    ]
}


@pytest.fixture
def valid_formula() -> dict:
    return copy.deepcopy(VALID)


def scenario_registry() -> Registry:
    return Registry(
        partnership_code="REGION",
        partnership_name="Test partnership",
        councils=(
            Council("AAA", "Council A", "ssda903"),
            Council("BBB", "Council B", "mosaic"),
            Council("CCC", "Council C", "liquidlogic"),
            Council("RAA", "Agency system", "charms", role="agency"),
        ),
    )


UPSTREAM = (
    "fct_finance_ledger",
    "fct_adoption_journeys",
    "int_journey_events",
    "fct_adopter_events",
    "fct_support_cases",
    "dim_placing_agency",
    "int_data_as_of",
)
FINANCE_SELECTION = [
    "path:models/staging/funding_formula",
    "path:models/intermediate/finance",
    "path:models/marts/finance",
    "path:seeds/finance",
]


@dataclass(frozen=True)
class FinanceWarehouse:
    database: Path
    success: bool
    failures: list[str]

    def query(self, sql: str, params: list | None = None) -> list[tuple]:
        con = duckdb.connect(str(self.database), read_only=True)
        try:
            return con.execute(sql, params or []).fetchall()
        finally:
            con.close()


@pytest.fixture(scope="session")
def finance_warehouse(tmp_path_factory) -> FinanceWarehouse:
    """Build the finance models once over the hand-worked scenario (tests/finance/scenario.py)."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    from dbt.cli.main import dbtRunner

    from pipelines.finance.formula import parse_formula, write_formula_tables
    from pipelines.settings import DBT_PROJECT_DIR
    from tests.finance.scenario import FORMULA, create_upstream

    tmp = tmp_path_factory.mktemp("finance_dbt")
    database = tmp / "warehouse.duckdb"
    common = [
        "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
        "--target-path", str(tmp / "target"), "--log-path", str(tmp / "logs"), "--quiet",
        *warehouse_vars(database),
    ]  # fmt: skip
    try:
        runner = dbtRunner()
        parsed = runner.invoke(["parse", *common])
        assert parsed.success, parsed.exception
        manifest = parsed.result
        relations = {
            node.name: node.relation_name.replace('"', "")
            for node in manifest.nodes.values()
            if node.resource_type in ("model", "seed") and node.name in UPSTREAM
        }
        con = duckdb.connect(str(database))
        create_upstream(con, relations)
        write_formula_tables(con, parse_formula(FORMULA, scenario_registry()))
        con.close()
        result = dbtRunner(manifest=manifest).invoke(
            ["build", *common, "--select", *FINANCE_SELECTION]
        )
    finally:
        # dbt-duckdb keeps the file open for the process; readers (and the export) need it closed
        DuckDBConnectionManager.close_all_connections()
    failures = [
        f"{r.node.name}: {r.status} {r.message}"
        for r in (result.result or [])
        if str(r.status) not in ("success", "pass")
    ]
    return FinanceWarehouse(database=database, success=result.success, failures=failures)
