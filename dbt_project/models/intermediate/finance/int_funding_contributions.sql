-- One row per apportioned year, version, cost pool and partner council: the council's
-- contribution in pounds and pence. Contributions of a pool and year sum EXACTLY to the pool
-- budget: each council first gets the whole pennies of weighted_share x budget (floor), then
-- the pennies left over go one each to the councils with the largest fractional remainders,
-- ties broken by council_code (alphabetical), so the result never depends on row order.
-- Remainders are rounded to 1e-6 of a penny first, so floating-point noise cannot break a tie.
with shares as (
    select * from {{ ref('int_funding_shares') }}
),

pool_years as (
    select * from {{ ref('int_funding_pool_years') }}
),

exact as (
    select
        shares.*,
        pool_years.pool_budget_gbp,
        pool_years.pool_budget_pennies,
        shares.weighted_share * pool_years.pool_budget_pennies as exact_pennies,
        floor(round(shares.weighted_share * pool_years.pool_budget_pennies, 6)) as floor_pennies
    from shares
    inner join pool_years
        on
            shares.financial_year = pool_years.financial_year
            and shares.formula_version = pool_years.formula_version
            and shares.cost_pool = pool_years.cost_pool
),

ranked as (
    select
        *,
        round(exact_pennies - floor_pennies, 6) as remainder_pennies,
        pool_budget_pennies - sum(floor_pennies) over pool_year as pennies_left,
        row_number() over (
            partition by financial_year, formula_version, cost_pool
            order by round(exact_pennies - floor_pennies, 6) desc, council_code asc
        ) as remainder_rank
    from exact
    window pool_year as (partition by financial_year, formula_version, cost_pool)
),

final as (
    select
        financial_year,
        formula_version,
        cost_pool,
        council_code,
        split_method,
        is_in_force,
        formula_share,
        previous_share,
        transition_factor,
        is_transition_capped,
        weighted_share,
        pool_budget_gbp,
        remainder_pennies,
        remainder_rank,
        cast(
            cast(floor_pennies + case when remainder_rank <= pennies_left then 1 else 0 end as decimal(16, 0))
            * 0.01 as decimal(14, 2)
        ) as contribution_gbp
    from ranked
)

select * from final
