with source as (
    select * from {{ source('funding_formula', 'formula_base_shares') }}
),

renamed as (
    select
        version_id,
        council_code,
        base_share
    from source
)

select * from renamed
