-- Every dated event of the children's adoption journeys, one row per event: ADM decisions,
-- placement orders, matches (every match, domain A.5), placement starts, adoption orders,
-- plans reversed and disruptions. The quarterly and before/after-launch marts count these.
with decisions as (
    select * from {{ ref('fct_adoption_decisions') }}
),

periods as (
    select * from {{ ref('fct_periods_of_care') }}
),

matches as (
    select * from {{ ref('fct_adoption_matches') }}
),

placements as (
    select * from {{ ref('fct_adoption_placements') }}
),

match_events as (
    select
        matches.council_code,
        matches.child_key,
        matches.match_date as event_date,
        'match' as event_type,
        matches.match_key as event_of,
        -- RAA16 as it stood when the match's quarter closed (domain A.5: a past quarter never
        -- changes): an order made after that quarter does not bring the match in at 0 days
        case
            when matches.placement_order_date < cast(matches.quarter_start + interval 3 month as date)
                then matches.order_to_match_days
        end as order_to_match_days,
        {{ days_between('periods.period_start_date', 'matches.match_date') }} as care_to_match_days
    from matches
    left join periods on matches.period_key = periods.period_key
),

events as (
    select
        council_code,
        child_key,
        decision_date as event_date,
        'adm_decision' as event_type,
        journey_key as event_of
    from decisions
    union all
    select
        council_code,
        child_key,
        placement_order_date as event_date,
        'placement_order' as event_type,
        period_key as event_of
    from periods
    where placement_order_date is not null
    union all
    select
        council_code,
        child_key,
        placement_start_date as event_date,
        'placed' as event_type,
        placement_key as event_of
    from placements
    union all
    select
        council_code,
        child_key,
        adoption_order_date as event_date,
        'adoption_order' as event_type,
        period_key as event_of
    from periods
    where adoption_order_date is not null
    union all
    select
        council_code,
        child_key,
        reversal_date as event_date,
        'reversal' as event_type,
        journey_key as event_of
    from decisions
    where reversal_date is not null
    union all
    select
        council_code,
        child_key,
        disruption_date as event_date,
        'disruption' as event_type,
        placement_key as event_of
    from placements
    where disruption_date is not null
),

final as (
    select
        council_code,
        child_key,
        event_date,
        event_type,
        event_of,
        cast(null as integer) as order_to_match_days,
        cast(null as integer) as care_to_match_days
    from events
    union all
    select
        council_code,
        child_key,
        event_date,
        event_type,
        event_of,
        cast(order_to_match_days as integer) as order_to_match_days,
        cast(care_to_match_days as integer) as care_to_match_days
    from match_events
)

select * from final
