with source as (
    select * from {{ source('funding_formula', 'formula_drivers') }}
),

renamed as (
    select
        version_id,
        driver,
        weight,
        basis,
        window_years
    from source
)

select * from renamed
