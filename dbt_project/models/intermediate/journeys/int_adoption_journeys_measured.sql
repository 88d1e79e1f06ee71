-- Scorecard measures per journey (domain A.3). Days are whole days (end - start).
with journeys as (
    select * from {{ ref('int_adoption_journeys_dated') }}
),

sibling_groups as (
    select
        council_code,
        sibling_group_id,
        count(distinct child_key) as children_in_group
    from journeys
    where sibling_group_id is not null
    group by council_code, sibling_group_id
),

recording_siblings as (
    -- a council none of whose matches has a sibling group id does not record them (the SSDA903
    -- layout has none): its children's sibling groups are unknown, not none
    select distinct council_code from journeys
    where sibling_group_id is not null
),

measured as (
    select
        journeys.*,
        journeys.placement_order_date is null as is_consent_only,
        -- A1: entered care -> moved in with adopters
        {{ days_between('journeys.entered_care_date', 'journeys.moved_in_date') }} as a1_days,
        -- A10: as A1, but ends when the child moved in with the adopting foster carers
        {{ days_between('journeys.entered_care_date', 'journeys.moved_in_for_a10_date') }} as a10_days,
        -- A2: placement order -> match, a match before the order counts 0; no order, no A2;
        -- a child not placed for adoption before the adoption order has no A2 (A.3)
        case
            when journeys.moved_in_date < journeys.adoption_order_date or not journeys.is_adopted
                then {{ order_to_match_days('journeys.placement_order_date', 'journeys.match_date') }}
        end as a2_days,
        -- A3: moved in before entered care + 14 calendar months
        case
            when journeys.moved_in_date is not null
                then journeys.moved_in_date < cast(journeys.entered_care_date + interval 14 month as date)
        end as a3_within_14_months,
        case
            when recording_siblings.council_code is not null
                then coalesce(sibling_groups.children_in_group >= 2, false)
        end as is_sibling_group_placed_together
    from journeys
    left join recording_siblings on journeys.council_code = recording_siblings.council_code
    left join sibling_groups
        on
            journeys.council_code = sibling_groups.council_code
            and journeys.sibling_group_id = sibling_groups.sibling_group_id
)

select * from measured
