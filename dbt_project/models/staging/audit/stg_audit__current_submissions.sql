with source as (
    select * from {{ source('audit', 'current_submissions') }} {{ not_withheld() }}
),

renamed as (
    select
        council_code,
        submission_id,
        is_stale
    from source
)

select * from renamed
