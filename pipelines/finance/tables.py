"""Write a validated formula into the warehouse as `reference.formula_*` (a dbt source)."""

from __future__ import annotations

import duckdb

from pipelines.finance.model import BASE_DRIVER, Formula

DDL = """
create schema if not exists reference;
create or replace table reference.formula_versions (
    version_id varchar primary key,
    version_name varchar not null,
    agreed_on date,
    effective_from date not null,
    effective_to date,                 -- null = open-ended
    demand_lag_years integer not null,
    transitional_limit decimal(9, 6),  -- share points; null = no cap
    base_weight decimal(9, 6) not null
);
create or replace table reference.formula_pools (
    version_id varchar not null,
    cost_pool varchar not null,
    split_method varchar not null,     -- formula | owning_council | child_council
    primary key (version_id, cost_pool)
);
create or replace table reference.formula_drivers (
    version_id varchar not null,
    driver varchar not null,           -- fixed_base is the base share
    weight decimal(9, 6) not null,
    basis varchar not null,            -- single_year | rolling_3yr | fixed
    window_years integer not null,
    primary key (version_id, driver)
);
create or replace table reference.formula_partners (
    version_id varchar not null,
    council_code varchar not null,
    primary key (version_id, council_code)
);
create or replace table reference.formula_base_shares (
    version_id varchar not null,
    council_code varchar not null,
    base_share double not null,
    primary key (version_id, council_code)
);
"""


def write_formula_tables(con: duckdb.DuckDBPyConnection, formula: Formula) -> None:
    """Replace the reference.formula_* tables with this formula, in one transaction."""
    con.execute("begin transaction")
    try:
        con.execute(DDL)
        for v in formula.versions:
            con.execute(
                "insert into reference.formula_versions values (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    v.version_id, v.name, v.agreed_on, v.effective_from, v.effective_to,
                    v.demand_lag_years, v.transitional_limit, v.base_weight,
                ],
            )  # fmt: skip
            con.executemany(
                "insert into reference.formula_pools values (?, ?, ?)",
                [[v.version_id, pool, method] for pool, method in v.pools.items()],
            )
            drivers = [
                [v.version_id, d.driver, d.weight, d.basis, d.window_years] for d in v.drivers
            ]
            if v.base_weight:
                drivers.append([v.version_id, BASE_DRIVER, v.base_weight, "fixed", 0])
            con.executemany("insert into reference.formula_drivers values (?, ?, ?, ?, ?)", drivers)
            con.executemany(
                "insert into reference.formula_partners values (?, ?)",
                [[v.version_id, code] for code in v.partners],
            )
            if v.base_shares:
                con.executemany(
                    "insert into reference.formula_base_shares values (?, ?, ?)",
                    [[v.version_id, code, share] for code, share in v.base_shares.items()],
                )
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
