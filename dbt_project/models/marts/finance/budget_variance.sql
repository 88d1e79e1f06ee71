-- One row per financial year, month, cost pool and partner council (year to date at the end
-- of each month; the March row is the full year): the pool's budget and actual spend
-- (SPEND - INCOME), the variance (positive = overspend), and the council's part of it.
-- Budgets are profiled evenly over the twelve months (int_funding_pool_months), and a council's
-- budget to date is its largest-remainder part of the pool's (int_funding_pennies_apportioned),
-- so the councils' budgets and actuals to date sum to the pool's to the penny. Pools split by
-- formula are central: their over/underspend is shared by the formula (weighted_share,
-- largest-remainder pennies from int_funding_pennies_apportioned, so the shares sum exactly to
-- the pool variance). Pools split by owning_council or child_council are borne locally: the
-- council's own ledger lines against its own budget. A month ending after the data's as-of date
-- is partial (domain A.3): its actuals are the part of it so far, and a year's March row before
-- the year is over is not the full year.
with contributions as (
    select * from {{ ref('int_funding_contributions') }}
    where is_in_force
),

pool_months as (
    select * from {{ ref('int_funding_pool_months') }}
),

variance_shares as (
    select * from {{ ref('int_funding_pennies_apportioned') }}
    where amount_type = 'variance_ytd'
),

budget_shares as (
    select * from {{ ref('int_funding_pennies_apportioned') }}
    where amount_type = 'budget_ytd'
),

ledger as (
    select * from {{ ref('fct_finance_ledger') }}
),

as_of as (
    select * from {{ ref('int_data_as_of') }}
),

council_actuals as (
    select
        financial_year,
        period_month,
        cost_pool,
        council_code,
        sum(case entry_type when 'SPEND' then amount_gbp else -amount_gbp end) as actual_gbp
    from ledger
    where entry_type in ('SPEND', 'INCOME') and council_code is not null
    group by all
),

council_months as (
    select
        pool_months.*,
        contributions.council_code,
        contributions.weighted_share,
        contributions.contribution_gbp,
        cast(cast(budget_shares.pennies as decimal(16, 0)) * 0.01 as decimal(14, 2)) as budget_ytd_gbp,
        sum(coalesce(council_actuals.actual_gbp, 0)) over (
            partition by pool_months.financial_year, pool_months.cost_pool, contributions.council_code
            order by pool_months.period_month
        ) as own_actual_ytd_gbp
    from pool_months
    inner join contributions
        on
            pool_months.financial_year = contributions.financial_year
            and pool_months.cost_pool = contributions.cost_pool
    inner join budget_shares
        on
            pool_months.financial_year = budget_shares.financial_year
            and pool_months.formula_version = budget_shares.formula_version
            and pool_months.cost_pool = budget_shares.cost_pool
            and pool_months.period_month = budget_shares.period_month
            and contributions.council_code = budget_shares.council_code
    left join council_actuals
        on
            pool_months.financial_year = council_actuals.financial_year
            and pool_months.cost_pool = council_actuals.cost_pool
            and pool_months.period_month = council_actuals.period_month
            and contributions.council_code = council_actuals.council_code
),

shared as (
    select
        council_months.*,
        case
            when council_months.split_method = 'formula'
                then cast(
                    sign(council_months.pool_variance_ytd_gbp)
                    * cast(variance_shares.pennies as decimal(16, 0))
                    * 0.01 as decimal(14, 2)
                )
        end as central_variance_share_gbp,
        as_of.as_of_date
    from council_months
    cross join as_of
    left join variance_shares
        on
            council_months.financial_year = variance_shares.financial_year
            and council_months.formula_version = variance_shares.formula_version
            and council_months.cost_pool = variance_shares.cost_pool
            and council_months.period_month = variance_shares.period_month
            and council_months.council_code = variance_shares.council_code
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
        pool_variance_ytd_gbp,
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
        central_variance_share_gbp,
        {{ partial_flags('last_day(period_month)', 'as_of_date') }}
    from shared
)

select * from final
