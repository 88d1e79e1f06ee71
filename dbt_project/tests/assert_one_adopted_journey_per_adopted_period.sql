{{ config(meta={'dagster': {'ref': {'name': 'fct_adoption_journeys'}}}) }}
-- Every period of care that ended in adoption has exactly one adopted journey, so the
-- scorecard counts each adopted child once.
with periods as (
    select * from {{ ref('fct_periods_of_care') }}
),

journeys as (
    select * from {{ ref('fct_adoption_journeys') }}
),

adopted_journeys as (
    select
        period_key,
        count(*) as adopted_journeys
    from journeys
    where is_adopted
    group by period_key
)

select
    periods.period_key,
    coalesce(adopted_journeys.adopted_journeys, 0) as adopted_journeys
from periods
left join adopted_journeys on periods.period_key = adopted_journeys.period_key
where
    (periods.ended_in_adoption and coalesce(adopted_journeys.adopted_journeys, 0) <> 1)
    or (not periods.ended_in_adoption and adopted_journeys.adopted_journeys is not null)
