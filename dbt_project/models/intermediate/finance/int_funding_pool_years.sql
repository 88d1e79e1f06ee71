-- One row per financial year with a budget, cost pool and formula version: the pool budget
-- and how the version splits the pool. Every version is applied to every budgeted year (the
-- comparison mart needs that); is_in_force marks the version whose effective range contains
-- 1 April of the year, which is the one the year is apportioned by. A pool borne by its own
-- councils leaves out a budget line of a council that is not a partner of the version (the
-- agency's own, say): no partner bears another's costs (domain A.4).
with ledger as (
    select * from {{ ref('fct_finance_ledger') }}
),

versions as (
    select * from {{ ref('stg_funding_formula__formula_versions') }}
),

pools as (
    select * from {{ ref('stg_funding_formula__formula_pools') }}
),

partners as (
    select * from {{ ref('stg_funding_formula__formula_partners') }}
),

budget_lines as (
    select
        {{ fy_start_year('period_month') }} as fy_start_year,
        cost_pool,
        council_code,
        sum(amount_gbp) as amount_gbp
    from ledger
    where entry_type = 'BUDGET'
    group by all
),

budgets as (
    select
        budget_lines.fy_start_year,
        versions.version_id,
        budget_lines.cost_pool,
        pools.split_method,
        sum(budget_lines.amount_gbp) as pool_budget_gbp
    from budget_lines
    inner join pools on budget_lines.cost_pool = pools.cost_pool
    inner join versions on pools.version_id = versions.version_id
    left join partners
        on
            versions.version_id = partners.version_id
            and budget_lines.council_code = partners.council_code
    where
        not (
            pools.split_method = 'owning_council'
            and budget_lines.council_code is not null
            and partners.council_code is null
        )
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
        budgets.split_method,
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
    inner join versions on budgets.version_id = versions.version_id
)

select * from final
