-- A10 ends on or before the A1 end date for every child (domain A.3).
select
    journey_key,
    a1_days,
    a10_days
from {{ ref('fct_adoption_journeys') }}
where a10_days > a1_days
