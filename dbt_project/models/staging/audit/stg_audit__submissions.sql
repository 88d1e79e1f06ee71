with source as (
    select * from {{ source('audit', 'submissions') }}
),

renamed as (
    select
        council_code,
        submission_id,
        reference_date,
        status as submission_status
    from source
)

select * from renamed
