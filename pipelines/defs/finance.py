"""The funding formula (config/funding_formula.yaml) validated and written for dbt."""

import dagster as dg
import duckdb

from pipelines.defs.resources import WAREHOUSE_POOL, AlertResource, WarehouseResource
from pipelines.finance.formula import FormulaError, load_formula
from pipelines.finance.tables import write_formula_tables
from pipelines.operations.alerts import formula_refused_alert

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


FORMULA_CHECK = "formula_accepted"
VERSIONS_KEY = dg.AssetKey(["funding_formula", "formula_versions"])


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
    check_specs=[
        dg.AssetCheckSpec(
            FORMULA_CHECK,
            asset=VERSIONS_KEY,
            description="The funding formula file adds up for the council registry (WARN when "
            "it is refused: the last good formula stays in use and the night goes on).",
        )
    ],
)
def funding_formula(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, alerts: AlertResource
):
    """A formula that does not add up is refused; the last good one stays in the warehouse and
    the night goes on with it (every council's figures are built and published): a council
    added to the registry before the partners' new version stopped every council's build."""
    path = warehouse.settings().funding_formula_file
    try:
        formula = load_formula(path, warehouse.registry())
    except FormulaError as problem:
        with warehouse.connection() as con:
            kept = versions_in_warehouse(con)
        if not kept:
            raise dg.Failure(
                description=f"{problem}\nThere is no earlier formula in the warehouse to use "
                "instead, so nothing is built: correct the file.",
                allow_retries=False,
            ) from problem
        said = f"{problem}\nThe last good formula ({kept} version(s)) stays in use tonight."
        context.log.error(said)
        alerts.send(formula_refused_alert(str(path), str(problem), kept), context.log)
        yield from _results(str(path), kept, refused=str(problem))
        yield dg.AssetCheckResult(check_name=FORMULA_CHECK, asset_key=VERSIONS_KEY, passed=False,
                                  severity=dg.AssetCheckSeverity.WARN, description=said)  # fmt: skip
        return
    with warehouse.connection() as con:
        write_formula_tables(con, formula)
    context.log.info(f"funding formula: {len(formula.versions)} version(s) from {path}")
    for note in formula.mid_year_notes():
        context.log.warning(f"funding formula: {note}")
    yield from _results(str(path), len(formula.versions))
    yield dg.AssetCheckResult(check_name=FORMULA_CHECK, asset_key=VERSIONS_KEY, passed=True)


def _results(path: str, versions: int, refused: str | None = None):
    metadata = {"file": path, "versions": versions}
    if refused:
        metadata["refused"] = f"{refused} (the last good formula stays in use)"
    for name in FORMULA_TABLES:
        yield dg.MaterializeResult(asset_key=dg.AssetKey(["funding_formula", name]),
                                   metadata=metadata)  # fmt: skip


def versions_in_warehouse(con) -> int:
    """How many formula versions the warehouse holds (0: none written yet)."""
    try:
        return con.execute("select count(*) from reference.formula_versions").fetchone()[0]
    except duckdb.CatalogException:
        return 0
