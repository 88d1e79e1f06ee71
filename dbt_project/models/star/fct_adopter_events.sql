with events as (
    select * from {{ ref('stg_canonical__adopter_events') }}
),

households as (
    select * from {{ ref('int_adopter_households_milestoned') }}
),

final as (
    select
        events.household_id || ':' || events.event_type || ':' || cast(events.event_date as varchar) as event_key,
        coalesce(events.council_code, households.council_code) as council_code,
        events.household_id,
        events.event_type,
        events.event_date,
        {{ fy_label('events.event_date') }} as financial_year,
        {{ fy_quarter_start('events.event_date') }} as quarter_start,
        cast(date_trunc('month', events.event_date) as date) as event_month,
        events.withdrawal_reason,
        coalesce(households.is_early_permanence, false) as is_early_permanence
    from events
    left join households on events.household_id = households.household_id
)

select * from final
