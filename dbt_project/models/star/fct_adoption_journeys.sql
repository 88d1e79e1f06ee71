-- One row per child per adoption plan, with every key date of domain A.2 and the
-- scorecard measures of A.3.
with journeys as (
    select * from {{ ref('int_adoption_journeys_measured') }}
),

children as (
    select * from {{ ref('dim_child') }}
),

agencies as (
    select * from {{ ref('dim_placing_agency') }}
),

final as (
    select
        journeys.journey_key,
        journeys.council_code,
        journeys.child_key,
        journeys.period_key,
        journeys.period_number,
        journeys.is_latest_plan_of_period,
        journeys.entered_care_date,
        journeys.decision_date,
        journeys.decision_ceased_date,
        journeys.reason_ceased,
        journeys.is_reversed,
        journeys.placement_order_date,
        journeys.match_date,
        journeys.match_count,
        journeys.moved_in_date,
        journeys.moved_in_for_a10_date as moved_in_with_foster_carers_date,
        journeys.adoption_order_date,
        case when journeys.adoption_order_date is not null then {{ fy_label('journeys.adoption_order_date') }} end
            as financial_year,
        case when journeys.decision_date is not null then {{ fy_label('journeys.decision_date') }} end
            as decision_financial_year,
        case when journeys.moved_in_date is not null then {{ fy_label('journeys.moved_in_date') }} end
            as moved_in_financial_year,
        journeys.a1_days,
        journeys.a10_days,
        journeys.a2_days,
        journeys.a3_within_14_months,
        journeys.is_foster_carer_adoption as foster_carer_adoption,
        journeys.is_adopted,
        journeys.is_consent_only as consent_only,
        cast(coalesce(
            journeys.age_at_decision_years,
            date_diff('month', children.birth_month, cast(date_trunc('month', journeys.decision_date) as date)) // 12
        ) as integer) as age_at_decision,
        coalesce(
            journeys.age_at_decision_years,
            date_diff('month', children.birth_month, cast(date_trunc('month', journeys.decision_date) as date)) // 12
        ) >= 5 as is_aged_5_plus_at_decision,
        journeys.sibling_group_id,
        journeys.is_sibling_group_placed_together as sibling_group_placed_together,
        coalesce(children.is_ethnicity_other_than_wbri, false) as is_ethnicity_other_than_wbri,
        coalesce(children.is_ethnicity_unknown, true) as is_ethnicity_unknown,
        coalesce(children.is_disabled, false) or journeys.has_disability_need as is_disabled,
        journeys.adopter_household_id,
        journeys.adopter_agency_code,
        agencies.is_in_region,
        agencies.is_interagency,
        journeys.period_end_date,
        journeys.period_final_reason_ceased
    from journeys
    left join children
        on
            journeys.council_code = children.council_code
            and journeys.child_key = children.child_key
    left join agencies on journeys.adopter_agency_code = agencies.adopter_agency_code
)

select * from final
