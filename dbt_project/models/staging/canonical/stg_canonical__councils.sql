with source as (
    select * from {{ source('canonical', 'councils') }} {{ not_withheld() }}
),

renamed as (
    select
        council_code,
        council_name,
        dialect,
        lower(role) as council_role,
        hub as hub_name,
        coalesce(is_partnership, false) as is_partnership,
        launched_on as partnership_launched_on,
        joined_on as partner_from,
        left_on as partner_until
    from source
)

select * from renamed
