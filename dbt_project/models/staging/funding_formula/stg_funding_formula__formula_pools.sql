with source as (
    select * from {{ source('funding_formula', 'formula_pools') }}
),

renamed as (
    select
        version_id,
        cost_pool,
        split_method
    from source
)

select * from renamed
