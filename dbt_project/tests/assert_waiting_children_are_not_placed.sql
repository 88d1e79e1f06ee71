{{ config(meta={'dagster': {'ref': {'name': 'children_waiting'}}}) }}
-- Nobody on the waiting list is in an adoption placement or adopted on the as-of date.
with waiting as (
    select * from {{ ref('children_waiting') }}
),

placements as (
    select * from {{ ref('fct_adoption_placements') }}
)

select
    waiting.council_code,
    waiting.child_key
from waiting
inner join placements
    on
        waiting.period_key = placements.period_key
        and waiting.as_of_date >= placements.placement_start_date
        and (waiting.as_of_date < placements.placement_end_date or placements.placement_end_date is null)
