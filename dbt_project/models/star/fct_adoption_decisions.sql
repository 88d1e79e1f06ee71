-- One row per ADM decision that a child should be placed for adoption, with its reversal
-- (plan ceased, RD1-RD4) where there was one.
with journeys as (
    select * from {{ ref('fct_adoption_journeys') }}
),

final as (
    select
        journey_key,
        council_code,
        child_key,
        period_key,
        decision_date,
        {{ fy_label('decision_date') }} as financial_year,
        {{ fy_quarter_start('decision_date') }} as quarter_start,
        decision_ceased_date,
        reason_ceased,
        is_reversed,
        case when is_reversed then decision_ceased_date end as reversal_date,
        case when is_reversed then {{ fy_label('decision_ceased_date') }} end as reversal_financial_year,
        entered_care_date,
        placement_order_date,
        match_date,
        age_at_decision,
        is_adopted
    from journeys
    where decision_date is not null
)

select * from final
