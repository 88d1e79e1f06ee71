with source as (
    select * from {{ source('funding_formula', 'formula_versions') }}
),

renamed as (
    select
        version_id,
        version_name,
        agreed_on,
        effective_from,
        effective_to,
        demand_lag_years,
        transitional_limit,
        base_weight
    from source
)

select * from renamed
