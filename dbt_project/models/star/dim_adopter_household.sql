-- One row per prospective adopter household, with the dates of its stages.
with households as (
    select * from {{ ref('int_adopter_households_milestoned') }}
),

final as (
    select
        household_id,
        council_code,
        number_of_adopters,
        household_type_code,
        is_early_permanence,
        enquiry_date,
        registration_date,
        stage1_start_date,
        stage2_start_date,
        approval_date,
        first_match_date,
        withdrawal_date,
        withdrawal_reason,
        {{ days_between('registration_date', 'approval_date') }} as registration_to_approval_days,
        approval_date <= cast(registration_date + interval 6 month as date) as approved_within_6_months,
        first_match_date <= cast(approval_date + interval 3 month as date) as matched_within_3_months
    from households
)

select * from final
