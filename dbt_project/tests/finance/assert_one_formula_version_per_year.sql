-- Exactly one version is in force for each apportioned year and pool (the formula loader
-- refuses overlapping versions; this catches a year no version covers). Warns: a budget year
-- before the first formula cannot be apportioned, which finance should see but not be blocked by.
{{ config(severity='warn') }}

with pool_years as (
    select * from {{ ref('int_funding_pool_years') }}
)

select
    financial_year,
    cost_pool,
    count(*) filter (where is_in_force) as versions_in_force
from pool_years
group by all
having count(*) filter (where is_in_force) <> 1
