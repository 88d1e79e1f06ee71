with source as (
    select * from {{ source('canonical', 'support_cases') }} {{ not_withheld() }}
),

renamed as (
    select
        council_code,
        case_id,
        child_key,
        case_type,
        referral_date,
        assessment_date,
        closed_date,
        submission_id
    from source
)

select * from renamed
