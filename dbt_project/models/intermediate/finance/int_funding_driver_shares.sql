-- One row per apportioned year, version, cost pool, partner council and driver: the driver's
-- value for the council (event count, or pounds for own_budget / child_fees), the total over
-- the partners, the council's share of it and the driver's weight. A council with no events
-- has value 0 and share 0. When NO partner has any event for a driver, the driver is shared
-- equally (1 / number of partners) so its weight is not lost. fixed_base takes the base share.
with pool_years as (
    select * from {{ ref('int_funding_pool_years') }}
),

events as (
    select * from {{ ref('int_funding_driver_events') }}
),

drivers as (
    select * from {{ ref('stg_funding_formula__formula_drivers') }}
),

partners as (
    select * from {{ ref('stg_funding_formula__formula_partners') }}
),

base_shares as (
    select * from {{ ref('stg_funding_formula__formula_base_shares') }}
),

pool_drivers as (
    select
        pool_years.financial_year,
        pool_years.formula_version,
        pool_years.cost_pool,
        drivers.driver,
        drivers.basis,
        cast(drivers.weight as double) as weight
    from pool_years
    inner join drivers on pool_years.formula_version = drivers.version_id
    where pool_years.split_method = 'formula'
    union all
    select
        financial_year,
        formula_version,
        cost_pool,
        local_driver as driver,
        'single_year' as basis,
        1.0 as weight
    from pool_years
    where local_driver is not null
),

spine as (
    select
        pool_drivers.*,
        partners.council_code,
        count(*) over (
            partition by
                pool_drivers.financial_year, pool_drivers.formula_version, pool_drivers.cost_pool,
                pool_drivers.driver
        ) as partner_count
    from pool_drivers
    inner join partners on pool_drivers.formula_version = partners.version_id
),

event_values as (
    select
        financial_year,
        formula_version,
        cost_pool,
        council_code,
        driver,
        count(*) as event_count,
        sum(event_value) as driver_value
    from events
    group by all
),

valued as (
    select
        spine.financial_year,
        spine.formula_version,
        spine.cost_pool,
        spine.council_code,
        spine.driver,
        spine.basis,
        spine.weight,
        spine.partner_count,
        base_shares.base_share,
        coalesce(event_values.event_count, 0) as event_count,
        cast(coalesce(event_values.driver_value, 0) as double) as driver_value,
        cast(sum(coalesce(event_values.driver_value, 0)) over (
            partition by spine.financial_year, spine.formula_version, spine.cost_pool, spine.driver
        ) as double) as driver_total
    from spine
    left join event_values
        on
            spine.financial_year = event_values.financial_year
            and spine.formula_version = event_values.formula_version
            and spine.cost_pool = event_values.cost_pool
            and spine.council_code = event_values.council_code
            and spine.driver = event_values.driver
    left join base_shares
        on
            spine.formula_version = base_shares.version_id
            and spine.council_code = base_shares.council_code
),

final as (
    select
        financial_year,
        formula_version,
        cost_pool,
        council_code,
        driver,
        basis,
        weight,
        event_count,
        driver_value,
        driver_total,
        case
            when driver = 'fixed_base' then coalesce(base_share, 0)
            when driver_total = 0 then 1.0 / partner_count
            else driver_value / driver_total
        end as driver_share
    from valued
)

select * from final
