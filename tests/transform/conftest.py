"""Build the hand-worked scenario once per session: temp DuckDB file, canonical schema,
`dbt build` of the adoption models (the funding-formula folders are another suite's)."""

from __future__ import annotations

import time
from pathlib import Path

import duckdb
import pytest

from pipelines.settings import DBT_PROJECT_DIR, warehouse_vars
from pipelines.warehouse import ensure_schemas
from tests.transform import scenario

AS_OF = "2020-03-31"
FINANCE_PATHS = (
    "path:models/staging/funding_formula",
    "path:models/intermediate/finance",
    "path:models/marts/finance",
    "path:seeds/finance",
)


class Built:
    def __init__(self, database: Path, result, seconds: float) -> None:
        self.database = database
        self.result = result
        self.seconds = seconds

    def rows(self, sql: str, *params) -> list[tuple]:
        # dbt-duckdb keeps its in-process database open: connect with the same (default) config
        with duckdb.connect(str(self.database)) as con:
            return con.execute(sql, params).fetchall()

    def one(self, sql: str, *params) -> tuple:
        rows = self.rows(sql, *params)
        assert len(rows) == 1, f"expected one row, got {rows}"
        return rows[0]


def build_scenario(root: Path, load, as_of: str = AS_OF) -> Built:
    """An empty canonical schema filled by `load(con)`, then `dbt build` of the adoption models."""
    from dbt.cli.main import dbtRunner

    database = root / "raa.duckdb"
    with duckdb.connect(str(database)) as con:
        ensure_schemas(con)
        load(con)

    started = time.perf_counter()
    result = dbtRunner().invoke(
        [
            "build",
            "--project-dir", str(DBT_PROJECT_DIR),
            "--profiles-dir", str(DBT_PROJECT_DIR),
            "--target-path", str(root / "target"),
            "--log-path", str(root / "logs"),
            *warehouse_vars(database, as_of_date=as_of),
            "--exclude", *FINANCE_PATHS,
            "--quiet",
        ]
    )  # fmt: skip
    return Built(database, result, time.perf_counter() - started)


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return build_scenario(tmp_path_factory.mktemp("transform"), scenario.load)
