-- The one home of the largest-remainder rule (domain A.4): every amount the formula shares out
-- between the partner councils, split to the penny by their weighted share (int_funding_shares)
-- so the parts sum EXACTLY to the amount. Each council first gets the whole pennies of
-- weighted_share x amount (floor); the pennies left over go one each to the councils with the
-- largest fractional remainders, ties broken by council_code (alphabetical), so the result
-- never depends on row order. Remainders are rounded to 1e-6 of a penny first, so
-- floating-point noise cannot break a tie.
--
-- The amounts (amount_type):
-- - budget: each pool's budget for a year, under every formula version (-> int_funding_contributions);
-- - budget_ytd: each pool's budget to date at the end of each month (profiled evenly), under
--   the version in force (-> budget_variance): a council's budget to date is its part of the
--   pool's, so the councils' sum to the pool's to the penny every month, not only in March;
-- - variance_ytd: the size of a formula pool's year-to-date over/underspend at the end of each
--   month, under the version in force (-> budget_variance, which puts the sign back).
with shares as (
    select * from {{ ref('int_funding_shares') }}
),

pool_years as (
    select * from {{ ref('int_funding_pool_years') }}
),

pool_months as (
    select * from {{ ref('int_funding_pool_months') }}
),

amounts as (
    select
        'budget' as amount_type,
        financial_year,
        formula_version,
        cost_pool,
        cast(null as date) as period_month,
        pool_budget_pennies as amount_pennies
    from pool_years
    union all
    select
        'budget_ytd' as amount_type,
        financial_year,
        formula_version,
        cost_pool,
        period_month,
        cast(round(pool_budget_ytd_gbp * 100) as bigint) as amount_pennies
    from pool_months
    union all
    select
        'variance_ytd' as amount_type,
        financial_year,
        formula_version,
        cost_pool,
        period_month,
        cast(round(abs(pool_variance_ytd_gbp) * 100) as bigint) as amount_pennies
    from pool_months
    where split_method = 'formula'
),

exact as (
    select
        amounts.*,
        shares.council_code,
        shares.weighted_share,
        shares.weighted_share * amounts.amount_pennies as exact_pennies,
        floor(round(shares.weighted_share * amounts.amount_pennies, 6)) as floor_pennies
    from amounts
    inner join shares
        on
            amounts.financial_year = shares.financial_year
            and amounts.formula_version = shares.formula_version
            and amounts.cost_pool = shares.cost_pool
),

ranked as (
    select
        *,
        round(exact_pennies - floor_pennies, 6) as remainder_pennies,
        amount_pennies - sum(floor_pennies) over amount as pennies_left,
        row_number() over (
            partition by amount_type, financial_year, formula_version, cost_pool, period_month
            order by round(exact_pennies - floor_pennies, 6) desc, council_code asc
        ) as remainder_rank
    from exact
    window amount as (partition by amount_type, financial_year, formula_version, cost_pool, period_month)
),

final as (
    select
        amount_type,
        financial_year,
        formula_version,
        cost_pool,
        period_month,
        council_code,
        weighted_share,
        amount_pennies,
        remainder_pennies,
        remainder_rank,
        cast(floor_pennies + case when remainder_rank <= pennies_left then 1 else 0 end as bigint) as pennies
    from ranked
)

select * from final
