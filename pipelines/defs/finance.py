"""The funding formula (config/funding_formula.yaml) validated and written for dbt."""

import dagster as dg

from pipelines.defs.resources import WAREHOUSE_POOL, WarehouseResource
from pipelines.finance.formula import FormulaError, load_formula
from pipelines.finance.tables import write_formula_tables

# Each table the validated formula (RAA_FUNDING_FORMULA) is written to, as reference.<table>.
FORMULA_TABLES = {
    "formula_versions": "Each version of the funding formula: when agreed, the financial years "
    "it applies to, the demand lag, the transitional cap (share points a year) and the base "
    "share's weight.",
    "formula_pools": "Each version's cost pools and how each is split: by the formula, to the "
    "owning council, or to the child's council.",
    "formula_drivers": "Each version's demand drivers (ADM decisions, placement orders, "
    "placements, approvals, support cases, the fixed base) with their weights and counting "
    "window (single year, rolling 3 years, fixed).",
    "formula_partners": "The councils each version apportions between.",
    "formula_base_shares": "Each version's fixed base share per partner council.",
}


@dg.multi_asset(
    name="funding_formula",
    pool=WAREHOUSE_POOL,
    specs=[
        dg.AssetSpec(
            dg.AssetKey(["funding_formula", name]),
            group_name="finance",
            description=f"{description} Validated, then written to `reference.{name}`.",
        )
        for name, description in FORMULA_TABLES.items()
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
