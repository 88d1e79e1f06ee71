-- Which reporting units each partner council's rows count in: its own code, and the
-- partnership's (REGION), which pools every partner council. A mart joins its partner rows here
-- once instead of writing "partner rows plus a partnership copy" itself. Agency rows (the
-- partnership's own case system) count in neither. A council that joined late or has left
-- counts in the partnership's rows only for its days as a partner: marts join with
-- counts_in_reporting_unit on the date each row is about.
with councils as (
    select * from {{ ref('dim_council') }}
),

partners as (
    select
        council_code,
        partner_from,
        partner_until
    from councils
    where is_partner_council
),

partnership as (
    select max(council_code) as region_code from councils
    where is_partnership
),

final as (
    select
        partners.council_code,
        partners.council_code as reporting_code,
        false as is_partnership_total,
        cast(null as date) as partner_from,
        cast(null as date) as partner_until
    from partners
    union all
    select
        partners.council_code,
        partnership.region_code as reporting_code,
        true as is_partnership_total,
        partners.partner_from,
        partners.partner_until
    from partners
    cross join partnership
)

select * from final
