-- Which reporting units each partner council's rows count in: its own code, and the
-- partnership's (REGION), which pools every partner council. A mart joins its partner rows here
-- once instead of writing "partner rows plus a partnership copy" itself. Agency rows (the
-- partnership's own case system) count in neither. A council that joined late or has left
-- counts in the partnership's rows only for its days as a partner: marts join with
-- counts_in_reporting_unit on the date each row is about. A council that has left sends no
-- more exports: its own rows stand at its last one (data_until), not at the partnership's
-- as-of date, which runs on without it.
with councils as (
    select * from {{ ref('dim_council') }}
),

current_submissions as (
    select * from {{ ref('stg_audit__current_submissions') }}
),

submissions as (
    select * from {{ ref('stg_audit__submissions') }}
),

partners as (
    select
        council_code,
        partner_from,
        partner_until
    from councils
    where is_partner_council
),

departed_data as (
    -- as int_data_as_of decides who has left: before the build date
    select
        partners.council_code,
        submissions.reference_date as data_until
    from partners
    inner join current_submissions on partners.council_code = current_submissions.council_code
    inner join submissions
        on
            current_submissions.council_code = submissions.council_code
            and current_submissions.submission_id = submissions.submission_id
    where partners.partner_until < current_date
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
        cast(null as date) as partner_until,
        departed_data.data_until
    from partners
    left join departed_data on partners.council_code = departed_data.council_code
    union all
    select
        partners.council_code,
        partnership.region_code as reporting_code,
        true as is_partnership_total,
        partners.partner_from,
        partners.partner_until,
        cast(null as date) as data_until
    from partners
    cross join partnership
)

select * from final
