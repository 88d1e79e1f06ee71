-- One row per apportioned year, version, cost pool and partner council: the council's
-- contribution in pounds and pence, its part of the pool budget split by largest remainder in
-- int_funding_pennies_apportioned, so the contributions of a pool and year sum EXACTLY to the
-- pool budget.
with shares as (
    select * from {{ ref('int_funding_shares') }}
),

pool_years as (
    select * from {{ ref('int_funding_pool_years') }}
),

apportioned as (
    select * from {{ ref('int_funding_pennies_apportioned') }}
    where amount_type = 'budget'
),

final as (
    select
        shares.financial_year,
        shares.formula_version,
        shares.cost_pool,
        shares.council_code,
        shares.split_method,
        shares.is_in_force,
        shares.formula_share,
        shares.previous_share,
        shares.transition_factor,
        shares.is_transition_capped,
        shares.transitional_limit,
        shares.is_partnership_changed,
        shares.weighted_share,
        pool_years.pool_budget_gbp,
        apportioned.remainder_pennies,
        apportioned.remainder_rank,
        cast(cast(apportioned.pennies as decimal(16, 0)) * 0.01 as decimal(14, 2)) as contribution_gbp
    from shares
    inner join pool_years
        on
            shares.financial_year = pool_years.financial_year
            and shares.formula_version = pool_years.formula_version
            and shares.cost_pool = pool_years.cost_pool
    inner join apportioned
        on
            shares.financial_year = apportioned.financial_year
            and shares.formula_version = apportioned.formula_version
            and shares.cost_pool = apportioned.cost_pool
            and shares.council_code = apportioned.council_code
)

select * from final
