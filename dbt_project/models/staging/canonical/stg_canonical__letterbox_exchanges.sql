with source as (
    select * from {{ source('canonical', 'letterbox_exchanges') }} {{ not_withheld() }}
),

renamed as (
    select
        council_code,
        exchange_id,
        case_id,
        exchange_date,
        direction as exchange_direction,
        submission_id
    from source
)

select * from renamed
