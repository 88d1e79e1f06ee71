-- One row per financial year with a budget, cost pool and formula version: the pool budget
-- and how the version splits the pool. Every version is applied to every budgeted year (the
-- comparison mart needs that); is_in_force marks the version whose effective range contains
-- 1 April of the year, which is the one the year is apportioned by. A pool borne locally
-- (owning_council, child_council) leaves out a budget line of a council that is not a partner
-- of the version (the agency's own, say): no partner bears another's costs (domain A.4).
--
-- local_driver says how a locally borne pool's budget is split. owning_council: by each
-- council's own budget lines (own_budget). child_council (borne by the council whose child was
-- placed): each council's own budget lines too, when every line of the pool's year names a
-- council, since that line is what the council set aside for its own children's fees; only a
-- budget set as one line for the partnership (no council named) is split by the fees paid for
-- each council's children in the year (child_fees). Splitting councils' own lines by fees
-- would charge a council for other councils' children, and all of it equally before the
-- year's first fee.
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
        sum(budget_lines.amount_gbp) as pool_budget_gbp,
        bool_or(budget_lines.council_code is null) as has_partnership_line
    from budget_lines
    inner join pools on budget_lines.cost_pool = pools.cost_pool
    inner join versions on pools.version_id = versions.version_id
    left join partners
        on
            versions.version_id = partners.version_id
            and budget_lines.council_code = partners.council_code
    where
        not (
            pools.split_method in ('owning_council', 'child_council')
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
        case
            when budgets.split_method = 'owning_council' then 'own_budget'
            when budgets.split_method = 'child_council' and budgets.has_partnership_line then 'child_fees'
            when budgets.split_method = 'child_council' then 'own_budget'
        end as local_driver,
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
