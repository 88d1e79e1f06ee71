"""The finance board's tables for one financial year, read from the finance marts.

Each table is a `BoardTable`: a title, one line on how to read it, columns with words for
headers and a kind (text, money, percent, count, date, month), its rows, and which columns a totals
row adds up. No table holds a child: interagency recharges are summed by council and agency
(the child-level rows go only to the restricted export).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb


@dataclass(frozen=True)
class Column:
    header: str
    name: str  # the SQL column (and the CSV header)
    kind: str = "text"  # text | money | percent | points | count | date | month


@dataclass
class BoardTable:
    sheet: str
    title: str
    how_to_read: str
    columns: list[Column]
    sql: str
    total_columns: tuple[str, ...] = ()
    rows: list[tuple] = field(default_factory=list)


def board_tables() -> list[BoardTable]:
    return [
        BoardTable(
            "Contributions",
            "How each pool is split between the councils",
            "For each cost pool: each council's share (after any transitional cap) and its "
            "contribution. Shares in a pool add up to 100%; contributions to the pool budget.",
            [Column("Cost pool", "cost_pool"), Column("How it is split", "split_method"),
             Column("Formula version", "formula_version"), Column("Council", "council_code"),
             Column("Share", "weighted_share", "percent"),
             Column("Pool budget (£)", "pool_budget_gbp", "money"),
             Column("Contribution (£)", "contribution_gbp", "money")],
            """select cost_pool, split_method, formula_version, council_code, weighted_share,
                      pool_budget_gbp, contribution_gbp
               from marts.cost_apportionment where financial_year = $year
               order by cost_pool, council_code""",
            ("contribution_gbp",),
        ),
        BoardTable(
            "Drivers",
            "Where each council's share comes from",
            "For each pool split by formula: each council's count of each driver over the "
            "version's counting years, its fixed base share, the share they give by the weights "
            "on the Formula sheet, and the share charged after any transitional cap: no share "
            "moves further from last year's than the cap (in share points) allows, the councils' "
            "moves scaled down together when one would. A blank driver is one the version does "
            "not use.",
            [Column("Cost pool", "cost_pool"), Column("Formula version", "formula_version"),
             Column("Council", "council_code"),
             Column("Placement orders", "placement_orders_count", "count"),
             Column("ADM decisions", "adm_decisions_count", "count"),
             Column("Children placed", "children_placed_count", "count"),
             Column("Support cases", "support_cases_count", "count"),
             Column("Approvals", "approvals_count", "count"),
             Column("Base share", "base_share", "percent"),
             Column("Formula share", "formula_share", "percent"),
             Column("Last year's share", "previous_share", "percent"),
             Column("Cap (share points a year)", "transitional_limit", "percent"),
             Column("Capped", "is_transition_capped", "text"),
             Column("Share charged", "weighted_share", "percent")],
            """select cost_pool, formula_version, council_code, placement_orders_count,
                      adm_decisions_count, children_placed_count, support_cases_count,
                      approvals_count, base_share, formula_share, previous_share,
                      transitional_limit, is_transition_capped, weighted_share
               from marts.cost_apportionment
               where financial_year = $year and split_method = 'formula'
               order by cost_pool, council_code""",
        ),
        BoardTable(
            "Budget variance",
            "Spending against budget, year to date",
            "For the latest month of the year with spending or income in the ledger: each "
            "council's share of each pool's budget and spending to date, and ledger lines that "
            "name no council, so that each pool adds up (a negative amount there is income "
            "received centrally, such as interagency fees other agencies paid the partnership). "
            "A positive variance is an overspend.",
            [Column("Month", "period_month", "month"), Column("Cost pool", "cost_pool"),
             Column("Council", "council_code"),
             Column("Budget for the year (£)", "budget_gbp", "money"),
             Column("Budget to date (£)", "budget_ytd_gbp", "money"),
             Column("Spent to date (£)", "actual_ytd_gbp", "money"),
             Column("Variance to date (£)", "variance_ytd_gbp", "money")],
            BUDGET_VARIANCE_SQL,
            ("budget_gbp", "budget_ytd_gbp", "actual_ytd_gbp", "variance_ytd_gbp"),
        ),
        BoardTable(
            "Interagency fees",
            "Interagency fees by council and agency",
            "Children placed with another agency's adopters and the fees paid and received, "
            "summed by council, fee type and agency (no child is listed here). 'Rate not entered "
            "yet' yes: the fee is uplifted each April and this year's rate is not entered, so these "
            "children's standard fee is an earlier year's rate, for now (see the cover).",
            [Column("Council", "council_code"), Column("Fee type", "fee_type"),
             Column("Adopters' agency", "adopter_agency_code"),
             Column("Rate not entered yet", "is_fee_rate_awaiting_uplift"),
             Column("Children", "children", "count"),
             Column("Fees paid (£)", "fees_paid_gbp", "money"),
             Column("Fees received (£)", "fees_received_gbp", "money"),
             Column("Net fees (£)", "net_fees_gbp", "money")],
            """select council_code, fee_type, adopter_agency_code, is_fee_rate_awaiting_uplift,
                      count(distinct child_key) as children, sum(fees_paid_gbp) as fees_paid_gbp,
                      sum(fees_received_gbp) as fees_received_gbp,
                      sum(net_fees_gbp) as net_fees_gbp
               from marts.interagency_recharges where financial_year = $year
               group by all order by all""",
            ("children", "fees_paid_gbp", "fees_received_gbp", "net_fees_gbp"),
        ),
        BoardTable(
            "Formula comparison",
            "What each formula version would charge",
            "Each version's share and contribution beside the version in force for the year; "
            "the change is this version minus the one in force.",
            [Column("Cost pool", "cost_pool"), Column("Council", "council_code"),
             Column("Formula version", "formula_version"),
             Column("In force", "in_force_version"),
             Column("Share", "weighted_share", "percent"),
             Column("Share in force", "in_force_weighted_share", "percent"),
             Column("Change in share (points)", "share_change", "points"),
             Column("Contribution (£)", "contribution_gbp", "money"),
             Column("Change (£)", "contribution_change_gbp", "money")],
            """select cost_pool, council_code, formula_version, in_force_version, weighted_share,
                      in_force_weighted_share, share_change, contribution_gbp,
                      contribution_change_gbp
               from marts.formula_comparison where financial_year = $year
               order by formula_version, cost_pool, council_code""",
        ),
        BoardTable(
            "Formula",
            "The formula versions, their drivers and weights",
            "The version in force for the year comes first. Driver weights (a fixed base among "
            "them) add up to 100%; each pool is split by formula, by its own council or by the "
            "child's. Counted over: the financial years whose events each driver counts for this "
            "year under the version (a version may count the completed years before the year).",
            [Column("Formula version", "formula_version"), Column("In force", "in_force", "text"),
             Column("Description", "version_name"), Column("Agreed on", "agreed_on", "date"),
             Column("Effective from", "effective_from", "date"),
             Column("Effective to", "effective_to", "date"), Column("Part", "part"),
             Column("Name", "name"), Column("Weight", "weight", "percent"),
             Column("Basis or split", "basis_or_split"),
             Column("Counted over, for this year", "counted_over")],
            FORMULA_SQL,
        ),
    ]  # fmt: skip


# Beside a council's submission on a cover or footer: a later one failed, so its figures come
# from this older one (raa status says why).
STALE_NOTE = " (stale: a later submission could not be loaded)"
NO_COUNCIL = "(lines naming no council)"
# Spending on ledger lines naming no council, a row per pool, from `shown` (budget_variance rows
# of one month): a pool borne locally counts each council's own lines, so lines naming none are
# shown apart, and the spending still adds up to the pool's.
NO_COUNCIL_LINES = f"""
    select period_month, cost_pool, '{NO_COUNCIL}' as council_code,
           null as budget_gbp, null as budget_ytd_gbp,
           any_value(pool_actual_ytd_gbp) - sum(actual_ytd_gbp) as actual_ytd_gbp,
           any_value(pool_actual_ytd_gbp) - sum(actual_ytd_gbp) as variance_ytd_gbp
    from shown group by period_month, cost_pool
    having any_value(pool_actual_ytd_gbp) <> sum(actual_ytd_gbp)"""

BUDGET_VARIANCE_SQL = f"""
with month as (
    -- the mart has every month; the latest with spending or income recorded
    select coalesce(max(period_month) filter (where pool_actual_month_gbp <> 0),
                    min(period_month)) as period_month
    from marts.budget_variance where financial_year = $year
),
shown as (
    select budget_variance.* from marts.budget_variance
    inner join month using (period_month)
    where financial_year = $year
),
no_council as ({NO_COUNCIL_LINES})
select period_month, cost_pool, council_code, budget_gbp, budget_ytd_gbp, actual_ytd_gbp,
       variance_ytd_gbp
from shown
union all
select * from no_council
order by cost_pool, council_code
"""


def fy_label(start_year: str) -> str:
    """SQL for the label of the financial year starting in `start_year` (an SQL integer):
    2025 -> '2025-26'."""
    return (f"(cast({start_year} as varchar) || '-' || "
            f"lpad(cast(({start_year} + 1) % 100 as varchar), 2, '0'))")  # fmt: skip


FORMULA_SQL = f"""
with used as (
    select formula_version, bool_or(is_in_force) as in_force
    from marts.formula_comparison where financial_year = $year group by all
)
select
    versions.version_id as formula_version,
    case when used.in_force then 'yes' else 'no' end as in_force,
    versions.version_name,
    versions.agreed_on,
    versions.effective_from,
    versions.effective_to,
    part,
    name,
    weight,
    basis_or_split,
    -- the years int_funding_driver_events counts for year Y: Y - lag - (window - 1) .. Y - lag
    case when parts.window_years > 0 then
        {fy_label("cast(left($year, 4) as integer) - versions.demand_lag_years - parts.window_years + 1")}
        || case when parts.window_years > 1
               then ' to ' || {fy_label("cast(left($year, 4) as integer) - versions.demand_lag_years")}
               else '' end
    end as counted_over
from used
inner join reference.formula_versions as versions on used.formula_version = versions.version_id
inner join (
    -- the fixed base is one of the drivers (its weight counts once), split by agreed shares
    select drivers.version_id, 'driver' as part, drivers.driver as name,
        cast(drivers.weight as double) as weight,
        case
            when drivers.driver = 'fixed_base' then 'agreed shares: ' || (
                select string_agg(shares.council_code || ' '
                                  || cast(round(shares.base_share * 100, 2) as varchar) || '%',
                                  ', ' order by shares.council_code)
                from reference.formula_base_shares as shares
                where shares.version_id = drivers.version_id)
            else drivers.basis
        end as basis_or_split,
        drivers.window_years
    from reference.formula_drivers as drivers
    union all
    select version_id, 'pool' as part, cost_pool as name, null as weight,
        split_method as basis_or_split, null as window_years
    from reference.formula_pools
) as parts on parts.version_id = versions.version_id
order by not used.in_force, versions.effective_from, part, name
"""


def summary_table(con: duckdb.DuckDBPyConnection, year: str) -> BoardTable:
    """Council x cost pool: the pools are the formula's (data), one column each."""
    pools = [pool for (pool,) in con.execute(
        "select distinct cost_pool from marts.cost_apportionment where financial_year = $year "
        "order by cost_pool", {"year": year}
    ).fetchall()]  # fmt: skip
    # each pool's column is named after it (a name from the formula's fixed list of pools), so
    # the CSV's header says which pool it is
    sums = ", ".join(
        f'sum(contribution_gbp) filter (where cost_pool = $pool{i}) as "{pool}"'
        for i, pool in enumerate(pools)
    )
    return BoardTable(
        "Summary",
        "What each council contributes, by cost pool",
        "One row per council: its contribution to each cost pool for the year, and in all. The "
        "totals row equals the pool budgets (next row); the difference row must be zero.",
        [
            Column("Council", "council_code"),
            *(
                Column(f"{pool.replace('_', ' ').capitalize()} (£)", pool, "money")
                for pool in pools
            ),
            Column("Total (£)", "total", "money"),
        ],
        f"""select council_code, {sums}, sum(contribution_gbp) as total
            from marts.cost_apportionment where financial_year = $year
            group by council_code order by council_code""",
        (*pools, "total"),
    ), {f"pool{i}": pool for i, pool in enumerate(pools)}


def pool_budgets(con: duckdb.DuckDBPyConnection, year: str) -> dict[str, float]:
    return {pool: float(budget) for pool, budget in con.execute(
        "select cost_pool, any_value(pool_budget_gbp) from marts.cost_apportionment "
        "where financial_year = $year group by cost_pool", {"year": year}
    ).fetchall()}  # fmt: skip


def read_tables(con: duckdb.DuckDBPyConnection, year: str) -> tuple[list[BoardTable], dict]:
    """The year's tables, and the summary's pool columns (column name -> cost pool)."""
    summary, pools = summary_table(con, year)
    tables = [summary, *board_tables()]
    for table in tables:
        params = {"year": year, **pools} if table is summary else {"year": year}
        table.rows = con.execute(table.sql, params).fetchall()
        if table.sheet == "Drivers":
            table.how_to_read += counting_years(con, year)
    return tables, pools


def counting_years(con: duckdb.DuckDBPyConnection, year: str) -> str:
    """The years each driver's count on the Drivers sheet covers, from the Formula sheet's
    'Counted over' (a driver of a version with a demand lag counts the years before)."""
    rows = con.execute(
        f"select formula_version, name, counted_over from ({FORMULA_SQL}) "
        "where part = 'driver' and counted_over is not null and in_force = 'yes' "
        "order by formula_version, name",
        {"year": year},
    ).fetchall()
    if not rows:
        return ""
    listed = "; ".join(f"{name.replace('_', ' ')} {years}" for _, name, years in rows)
    return (f" The counts are of these financial years ({rows[0][0]}): {listed}; a count over "
            "several years adds them up.")  # fmt: skip
