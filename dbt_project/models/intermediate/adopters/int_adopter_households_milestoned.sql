-- One row per adopter household with the first date it reached each stage.
with households as (
    select * from {{ ref('stg_canonical__adopter_households') }}
),

events as (
    select * from {{ ref('stg_canonical__adopter_events') }}
),

stages as (
    select
        household_id,
        any_value(council_code) as event_council_code,
        min(event_date) filter (where event_type = 'ENQUIRY') as enquiry_date,
        min(event_date) filter (where event_type = 'REGISTRATION') as registration_date,
        min(event_date) filter (where event_type = 'STAGE1') as stage1_start_date,
        min(event_date) filter (where event_type = 'STAGE2') as stage2_start_date,
        min(event_date) filter (where event_type = 'APPROVAL') as approval_date,
        min(event_date) filter (where event_type = 'WITHDRAWAL') as withdrawal_date,
        arg_min_null(withdrawal_reason, event_date) filter (where event_type = 'WITHDRAWAL') as withdrawal_reason
    from events
    group by household_id
),

first_match_after_approval as (
    select
        events.household_id,
        min(events.event_date) as first_match_date
    from events
    inner join stages on events.household_id = stages.household_id
    where
        events.event_type = 'MATCH'
        and events.event_date >= stages.approval_date
    group by events.household_id
),

all_households as (
    select household_id from households
    union
    select household_id from stages
),

final as (
    select
        all_households.household_id,
        coalesce(households.council_code, stages.event_council_code) as council_code,
        households.number_of_adopters,
        households.household_type_code,
        coalesce(households.is_early_permanence, false) as is_early_permanence,
        stages.enquiry_date,
        stages.registration_date,
        stages.stage1_start_date,
        stages.stage2_start_date,
        stages.approval_date,
        first_match_after_approval.first_match_date,
        stages.withdrawal_date,
        stages.withdrawal_reason
    from all_households
    left join households on all_households.household_id = households.household_id
    left join stages on all_households.household_id = stages.household_id
    left join first_match_after_approval on all_households.household_id = first_match_after_approval.household_id
)

select * from final
