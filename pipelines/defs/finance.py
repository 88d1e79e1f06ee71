"""The funding formula (config/funding_formula.yaml) validated and written for dbt."""

import dagster as dg

from pipelines.defs.resources import WAREHOUSE_POOL, WarehouseResource
from pipelines.finance.formula import FormulaError, load_formula
from pipelines.finance.tables import write_formula_tables

FORMULA_TABLES = (
    "formula_versions", "formula_pools", "formula_drivers", "formula_partners",
    "formula_base_shares",
)  # fmt: skip


@dg.multi_asset(
    name="funding_formula",
    pool=WAREHOUSE_POOL,
    specs=[
        dg.AssetSpec(
            dg.AssetKey(["funding_formula", name]),
            group_name="finance",
            description="Validated funding formula versions, written to reference.*.",
        )
        for name in FORMULA_TABLES
    ],
)
def funding_formula(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    """A formula that does not add up is refused; the last good one stays in the warehouse."""
    path = warehouse.settings().funding_formula_file
    try:
        formula = load_formula(path, warehouse.registry())
    except FormulaError as problem:
        raise dg.Failure(
            description=f"The funding formula {path} was refused: {problem}. The last good "
            "formula and apportionment stay published.",
            allow_retries=False,
        ) from problem
    with warehouse.connection() as con:
        write_formula_tables(con, formula)
    context.log.info(f"funding formula: {len(formula.versions)} version(s) from {path}")
    for name in FORMULA_TABLES:
        yield dg.MaterializeResult(
            asset_key=dg.AssetKey(["funding_formula", name]),
            metadata={"file": str(path), "versions": len(formula.versions)},
        )
