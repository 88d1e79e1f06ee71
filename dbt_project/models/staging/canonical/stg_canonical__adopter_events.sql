with source as (
    select * from {{ source('canonical', 'adopter_events') }} {{ not_withheld() }}
),

renamed as (
    select
        council_code,
        household_id,
        upper(event_type) as event_type,
        event_date,
        reason as withdrawal_reason,
        submission_id
    from source
)

select * from renamed
