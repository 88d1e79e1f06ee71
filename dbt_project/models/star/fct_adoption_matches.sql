-- One row per match of a child with adopters (AD1), every match (domain A.5): a match whose
-- placement later disrupted stays a match in its quarter, so a past quarter never changes.
with matches as (
    select * from {{ ref('int_adoption_matches_assigned') }}
),

journeys as (
    select * from {{ ref('fct_adoption_journeys') }}
),

final as (
    select
        matches.journey_key || ':' || cast(matches.match_date as varchar) as match_key,
        matches.journey_key,
        matches.council_code,
        matches.child_key,
        matches.period_key,
        matches.match_date,
        {{ fy_label('matches.match_date') }} as financial_year,
        {{ fy_quarter_start('matches.match_date') }} as quarter_start,
        journeys.placement_order_date,
        cast({{ order_to_match_days('journeys.placement_order_date', 'matches.match_date') }} as integer)
            as order_to_match_days,
        matches.is_latest_match_of_plan,
        coalesce(matches.is_foster_carer_adoption, false) as is_foster_carer_adoption,
        matches.adopter_agency_code,
        matches.adopter_household_id
    from matches
    inner join journeys on matches.journey_key = journeys.journey_key
)

select * from final
