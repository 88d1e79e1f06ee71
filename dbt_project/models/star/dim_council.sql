-- Conformed council dimension: every registry entry, plus the partnership row (REGION)
-- when the registry did not write one.
with councils as (
    select * from {{ ref('stg_canonical__councils') }}
),

partnership_fallback as (
    select
        'REGION' as council_code,
        'Regional adoption partnership (all partner councils)' as council_name,
        cast(null as varchar) as dialect,
        'partnership' as council_role,
        cast(null as varchar) as hub_name,
        true as is_partnership,
        cast(null as date) as partnership_launched_on,
        cast(null as date) as partner_from,
        cast(null as date) as partner_until
    where not exists (
        select 1 from councils
        where is_partnership
    )
),

combined as (
    select * from councils
    union all
    select * from partnership_fallback
),

final as (
    select
        council_code,
        council_name,
        dialect,
        case when is_partnership then 'partnership' else council_role end as council_role,
        hub_name,
        is_partnership,
        not is_partnership and council_role = 'partner' as is_partner_council,
        -- the partnership's launch date on every row, so a council's row can be split at it
        max(partnership_launched_on) over () as partnership_launched_on,
        partner_from,
        partner_until
    from combined
)

select * from final
