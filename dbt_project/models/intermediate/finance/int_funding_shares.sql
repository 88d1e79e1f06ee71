-- One row per apportioned year, version, cost pool and partner council: the formula share
-- (sum over drivers of weight x driver share) and the share actually applied after the
-- version's transitional limit.
--
-- Transitional limit (cap in share points on how far a council's share of a formula pool may
-- move from the share it actually bore the previous year): when some council's movement
-- exceeds the cap, every council's movement is scaled by the same factor
-- k = limit / max |formula_share - previous_share|, so the largest mover moves exactly the
-- cap, nobody moves more, and the shares still sum to 1 (the movements sum to 0 before and
-- after scaling). "Previous share" is the share applied in the previous year under the
-- version then in force (after its own cap), built year by year by the recursive chain below.
-- A pool-year with no previous year (first budget, or a council missing last year) is not capped.
with pool_years as (
    select * from {{ ref('int_funding_pool_years') }}
),

driver_shares as (
    select * from {{ ref('int_funding_driver_shares') }}
),

formula_shares as (
    select
        driver_shares.financial_year,
        driver_shares.formula_version,
        driver_shares.cost_pool,
        driver_shares.council_code,
        pool_years.fy_start_year,
        pool_years.split_method,
        pool_years.is_in_force,
        case when pool_years.split_method = 'formula' then pool_years.transitional_limit end as transitional_limit,
        -- ordered so the floating-point sum is the same on every build (rebuilds compare equal)
        sum(driver_shares.weight * driver_shares.driver_share order by driver_shares.driver) as formula_share
    from driver_shares
    inner join pool_years
        on
            driver_shares.financial_year = pool_years.financial_year
            and driver_shares.formula_version = pool_years.formula_version
            and driver_shares.cost_pool = pool_years.cost_pool
    group by all
),

in_force as (
    select * from formula_shares
    where is_in_force
),

applied_chain as (
    with recursive chain as (
        select
            cost_pool,
            council_code,
            fy_start_year,
            formula_share as applied_share
        from in_force
        where
            not exists (
                select 1 from in_force as previous_year
                where
                    previous_year.cost_pool = in_force.cost_pool
                    and previous_year.fy_start_year = in_force.fy_start_year - 1
            )
        union all
        select
            in_force.cost_pool,
            in_force.council_code,
            in_force.fy_start_year,
            chain.applied_share + (in_force.formula_share - chain.applied_share) * coalesce(
                least(
                    1.0,
                    in_force.transitional_limit / nullif(
                        max(abs(in_force.formula_share - chain.applied_share)) over (
                            partition by in_force.cost_pool, in_force.fy_start_year
                        ),
                        0
                    )
                ),
                1.0
            ) as applied_share
        from chain
        inner join in_force
            on
                chain.cost_pool = in_force.cost_pool
                and chain.council_code = in_force.council_code
                and in_force.fy_start_year = chain.fy_start_year + 1
    )

    select * from chain
),

with_previous as (
    select
        formula_shares.*,
        previous_year.applied_share as previous_share,
        count(previous_year.applied_share) over pool_year = count(*) over pool_year as has_previous_year,
        max(abs(formula_shares.formula_share - previous_year.applied_share)) over pool_year as max_movement
    from formula_shares
    left join applied_chain as previous_year
        on
            formula_shares.cost_pool = previous_year.cost_pool
            and formula_shares.council_code = previous_year.council_code
            and formula_shares.fy_start_year - 1 = previous_year.fy_start_year
    window pool_year as (
        partition by formula_shares.financial_year, formula_shares.formula_version, formula_shares.cost_pool
    )
),

scaled as (
    select
        *,
        case
            when transitional_limit is null or not has_previous_year or max_movement <= transitional_limit then 1.0
            else transitional_limit / max_movement
        end as transition_factor
    from with_previous
),

final as (
    select
        financial_year,
        formula_version,
        cost_pool,
        council_code,
        split_method,
        is_in_force,
        transitional_limit,
        formula_share,
        previous_share,
        transition_factor,
        transition_factor < 1.0 as is_transition_capped,
        case
            when transition_factor < 1.0 then previous_share + (formula_share - previous_share) * transition_factor
            else formula_share
        end as weighted_share
    from scaled
)

select * from final
