with source as (
    select * from {{ source('funding_formula', 'formula_partners') }}
),

renamed as (
    select
        version_id,
        council_code
    from source
)

select * from renamed
