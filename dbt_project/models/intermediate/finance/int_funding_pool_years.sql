-- One row per financial year with a budget, cost pool and formula version: the pool budget
-- and how the version splits the pool. Every version is applied to every budgeted year (the
-- comparison mart needs that); is_in_force marks the version whose effective range contains
-- 1 April of the year, which is the one the year is apportioned by.
with ledger as (
    select * from {{ ref('fct_finance_ledger') }}
),

versions as (
    select * from {{ ref('stg_funding_formula__formula_versions') }}
),

pools as (
    select * from {{ ref('stg_funding_formula__formula_pools') }}
),

budgets as (
    select
        {{ fy_start_year('period_month') }} as fy_start_year,
        cost_pool,
        sum(amount_gbp) as pool_budget_gbp
    from ledger
    where entry_type = 'BUDGET'
    group by all
),

final as (
    select
        {{ fy_label('make_date(budgets.fy_start_year, 4, 1)') }} as financial_year,
        budgets.fy_start_year,
        make_date(budgets.fy_start_year, 4, 1) as year_start_date,
        make_date(budgets.fy_start_year + 1, 3, 31) as year_end_date,
        versions.version_id as formula_version,
        budgets.cost_pool,
        pools.split_method,
        versions.demand_lag_years,
        cast(versions.transitional_limit as double) as transitional_limit,
        cast(budgets.pool_budget_gbp as decimal(14, 2)) as pool_budget_gbp,
        cast(round(budgets.pool_budget_gbp * 100) as bigint) as pool_budget_pennies,
        coalesce(
            versions.effective_from <= make_date(budgets.fy_start_year, 4, 1)
            and (versions.effective_to is null or versions.effective_to >= make_date(budgets.fy_start_year, 4, 1)),
            false
        ) as is_in_force
    from budgets
    inner join pools on budgets.cost_pool = pools.cost_pool
    inner join versions on pools.version_id = versions.version_id
)

select * from final
