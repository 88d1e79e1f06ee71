with source as (
    select * from {{ source('canonical', 'support_fund_applications') }} {{ not_withheld() }}
),

renamed as (
    select
        council_code,
        application_id,
        case_id,
        application_date,
        cast(amount_applied_gbp as decimal(14, 2)) as amount_applied_gbp,
        decision_date,
        cast(amount_approved_gbp as decimal(14, 2)) as amount_approved_gbp,
        status as application_status,
        submission_id
    from source
)

select * from renamed
