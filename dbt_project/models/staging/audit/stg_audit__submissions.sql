with source as (
    select * from {{ source('audit', 'submissions') }} {{ not_withheld() }}
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
