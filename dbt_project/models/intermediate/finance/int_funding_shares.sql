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
-- A pool-year with no previous year, or whose partners are not exactly last year's (a council
-- joined or left the pool), is not capped: shares borne by a different set of councils cannot
-- be moved towards the formula and still sum to 1, so the formula applies in full that year and
-- the chain starts again from it.
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

pool_partners as (
    select
        cost_pool,
        fy_start_year,
        list_sort(list(council_code)) as partners
    from in_force
    group by all
),

-- pool-years borne by exactly the councils that bore the pool the year before
continuing as (
    select
        this_year.cost_pool,
        this_year.fy_start_year
    from pool_partners as this_year
    inner join pool_partners as last_year
        on
            this_year.cost_pool = last_year.cost_pool
            and this_year.fy_start_year = last_year.fy_start_year + 1
    where this_year.partners = last_year.partners
),

applied_chain as (
    with recursive chain as (
        select
            in_force.cost_pool,
            in_force.council_code,
            in_force.fy_start_year,
            in_force.formula_share as applied_share
        from in_force
        anti join continuing
            on
                in_force.cost_pool = continuing.cost_pool
                and in_force.fy_start_year = continuing.fy_start_year
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
        semi join continuing
            on
                in_force.cost_pool = continuing.cost_pool
                and in_force.fy_start_year = continuing.fy_start_year
    )

    select * from chain
),

with_previous as (
    select
        formula_shares.*,
        previous_year.applied_share as previous_share,
        -- the same partners as the pool had last year (previous_partners: null when it had none)
        coalesce(list_sort(list(formula_shares.council_code) over pool_year) = previous_partners.partners, false)
            as has_previous_year,
        previous_partners.partners is not null as had_partners_last_year,
        max(abs(formula_shares.formula_share - previous_year.applied_share)) over pool_year as max_movement
    from formula_shares
    left join applied_chain as previous_year
        on
            formula_shares.cost_pool = previous_year.cost_pool
            and formula_shares.council_code = previous_year.council_code
            and formula_shares.fy_start_year - 1 = previous_year.fy_start_year
    left join pool_partners as previous_partners
        on
            formula_shares.cost_pool = previous_partners.cost_pool
            and formula_shares.fy_start_year - 1 = previous_partners.fy_start_year
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
        transitional_limit is not null and had_partners_last_year and not has_previous_year
            as is_partnership_changed,
        case
            when transition_factor < 1.0 then previous_share + (formula_share - previous_share) * transition_factor
            else formula_share
        end as weighted_share
    from scaled
)

select * from final
