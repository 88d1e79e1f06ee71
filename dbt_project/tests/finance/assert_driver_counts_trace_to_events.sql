{{ config(meta={'dagster': {'ref': {'name': 'funding_driver_events'}}}) }}
-- Traceability: every driver count and value in the apportionment equals the count / sum of
-- the rows in funding_driver_events for the same year, version, pool, council and driver.
with driver_shares as (
    select * from {{ ref('int_funding_driver_shares') }}
),

events as (
    select * from {{ ref('funding_driver_events') }}
),

traced as (
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
)

select driver_shares.*
from driver_shares
left join traced
    on
        driver_shares.financial_year = traced.financial_year
        and driver_shares.formula_version = traced.formula_version
        and driver_shares.cost_pool = traced.cost_pool
        and driver_shares.council_code = traced.council_code
        and driver_shares.driver = traced.driver
where
    driver_shares.driver <> 'fixed_base'
    and (
        driver_shares.event_count <> coalesce(traced.event_count, 0)
        or abs(driver_shares.driver_value - coalesce(traced.driver_value, 0)) > 0.001
    )
