-- One row per financial year, cost pool and month under the formula version in force for the
-- year (year to date at the end of each month; the March row is the full year): the pool's
-- budget profiled evenly over the twelve months, its actual spend (SPEND - INCOME on every
-- ledger line of the pool, whoever's) and the year-to-date variance (positive = overspend).
with pool_years as (
    select * from {{ ref('int_funding_pool_years') }}
    where is_in_force
),

ledger as (
    select * from {{ ref('fct_finance_ledger') }}
),

pool_actuals as (
    select
        financial_year,
        period_month,
        cost_pool,
        sum(case entry_type when 'SPEND' then amount_gbp else -amount_gbp end) as actual_gbp
    from ledger
    where entry_type in ('SPEND', 'INCOME')
    group by all
),

months as (
    select
        pool_years.financial_year,
        pool_years.formula_version,
        pool_years.cost_pool,
        pool_years.split_method,
        pool_years.pool_budget_gbp,
        cast(pool_years.year_start_date + to_months(month_offsets.month_offset) as date) as period_month,
        cast(month_offsets.month_offset + 1 as integer) as months_elapsed
    from pool_years
    cross join generate_series(0, 11) as month_offsets (month_offset)
),

pool_months as (
    select
        months.*,
        cast(round(months.pool_budget_gbp * months.months_elapsed / 12, 2) as decimal(14, 2)) as pool_budget_ytd_gbp,
        cast(coalesce(pool_actuals.actual_gbp, 0) as decimal(14, 2)) as pool_actual_month_gbp,
        cast(sum(coalesce(pool_actuals.actual_gbp, 0)) over (
            partition by months.financial_year, months.cost_pool order by months.period_month
        ) as decimal(14, 2)) as pool_actual_ytd_gbp
    from months
    left join pool_actuals
        on
            months.financial_year = pool_actuals.financial_year
            and months.cost_pool = pool_actuals.cost_pool
            and months.period_month = pool_actuals.period_month
),

final as (
    select
        financial_year,
        period_month,
        months_elapsed,
        formula_version,
        cost_pool,
        split_method,
        pool_budget_gbp,
        pool_budget_ytd_gbp,
        pool_actual_month_gbp,
        pool_actual_ytd_gbp,
        cast(pool_actual_ytd_gbp - pool_budget_ytd_gbp as decimal(14, 2)) as pool_variance_ytd_gbp
    from pool_months
)

select * from final
