-- One row per financial year, month, cost pool and partner council (year to date at the end
-- of each month; the March row is the full year): the pool's budget and actual spend
-- (SPEND - INCOME), the variance (positive = overspend), and the council's part of it.
-- Budgets are profiled evenly over the twelve months. Pools split by formula are central:
-- their over/underspend is shared by the formula (weighted_share, largest-remainder pennies,
-- so the shares sum exactly to the pool variance). Pools split by owning_council or
-- child_council are borne locally: the council's own ledger lines against its own budget.
with contributions as (
    select * from {{ ref('int_funding_contributions') }}
    where is_in_force
),

pool_years as (
    select * from {{ ref('int_funding_pool_years') }}
    where is_in_force
),

ledger as (
    select * from {{ ref('fct_finance_ledger') }}
),

actual_lines as (
    select
        financial_year,
        period_month,
        cost_pool,
        council_code,
        case entry_type when 'SPEND' then amount_gbp else -amount_gbp end as net_gbp
    from ledger
    where entry_type in ('SPEND', 'INCOME')
),

pool_actuals as (
    select
        financial_year,
        period_month,
        cost_pool,
        sum(net_gbp) as actual_gbp
    from actual_lines
    group by all
),

council_actuals as (
    select
        financial_year,
        period_month,
        cost_pool,
        council_code,
        sum(net_gbp) as actual_gbp
    from actual_lines
    where council_code is not null
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

council_months as (
    select
        pool_months.*,
        pool_months.pool_actual_ytd_gbp - pool_months.pool_budget_ytd_gbp as pool_variance_ytd_gbp,
        contributions.council_code,
        contributions.weighted_share,
        contributions.contribution_gbp,
        cast(round(contributions.contribution_gbp * pool_months.months_elapsed / 12, 2) as decimal(14, 2))
            as budget_ytd_gbp,
        sum(coalesce(council_actuals.actual_gbp, 0)) over (
            partition by pool_months.financial_year, pool_months.cost_pool, contributions.council_code
            order by pool_months.period_month
        ) as own_actual_ytd_gbp
    from pool_months
    inner join contributions
        on
            pool_months.financial_year = contributions.financial_year
            and pool_months.cost_pool = contributions.cost_pool
    left join council_actuals
        on
            pool_months.financial_year = council_actuals.financial_year
            and pool_months.cost_pool = council_actuals.cost_pool
            and pool_months.period_month = council_actuals.period_month
            and contributions.council_code = council_actuals.council_code
),

variance_exact as (
    select
        *,
        sign(pool_variance_ytd_gbp) as variance_sign,
        cast(round(abs(pool_variance_ytd_gbp) * 100) as bigint) as variance_pennies,
        weighted_share * cast(round(abs(pool_variance_ytd_gbp) * 100) as bigint) as exact_pennies,
        floor(round(weighted_share * cast(round(abs(pool_variance_ytd_gbp) * 100) as bigint), 6)) as floor_pennies
    from council_months
),

variance_ranked as (
    select
        *,
        variance_pennies - sum(floor_pennies) over pool_month as pennies_left,
        row_number() over (
            partition by financial_year, cost_pool, period_month
            order by round(exact_pennies - floor_pennies, 6) desc, council_code asc
        ) as remainder_rank
    from variance_exact
    window pool_month as (partition by financial_year, cost_pool, period_month)
),

shared as (
    select
        *,
        case
            when split_method = 'formula'
                then cast(
                    variance_sign
                    * cast(floor_pennies + case when remainder_rank <= pennies_left then 1 else 0 end as decimal(16, 0))
                    * 0.01 as decimal(14, 2)
                )
        end as central_variance_share_gbp
    from variance_ranked
),

final as (
    select
        financial_year,
        period_month,
        months_elapsed,
        cost_pool,
        split_method,
        formula_version,
        council_code,
        weighted_share,
        pool_budget_gbp,
        pool_budget_ytd_gbp,
        pool_actual_month_gbp,
        pool_actual_ytd_gbp,
        cast(pool_variance_ytd_gbp as decimal(14, 2)) as pool_variance_ytd_gbp,
        contribution_gbp as budget_gbp,
        budget_ytd_gbp,
        cast(
            case
                when split_method = 'formula' then budget_ytd_gbp + central_variance_share_gbp
                else own_actual_ytd_gbp
            end as decimal(14, 2)
        ) as actual_ytd_gbp,
        cast(
            case
                when split_method = 'formula' then central_variance_share_gbp
                else own_actual_ytd_gbp - budget_ytd_gbp
            end as decimal(14, 2)
        ) as variance_ytd_gbp,
        central_variance_share_gbp
    from shared
)

select * from final
