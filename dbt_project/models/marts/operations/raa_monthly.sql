-- Panel and court decisions by calendar month, per partner council and for the partnership
-- (pooled): the children's journey events raa_quarterly counts by quarter (ADM decisions,
-- placement orders, matches, placements, adoption orders, plans reversed, disruptions) and the
-- adopter enquiries and approvals adopter_pipeline counts, as partnerships table them for their
-- boards ("panel decisions by month"). A council's three months add up to its quarter.
with journey_events as (
    select * from {{ ref('int_journey_events') }}
),

adopter_events as (
    select * from {{ ref('fct_adopter_events') }}
),

reporting_units as (
    select * from {{ ref('int_reporting_units') }}
),

as_of as (
    select * from {{ ref('int_data_as_of') }}
),

events as (
    select
        council_code,
        event_date,
        event_type
    from journey_events
    union all
    select
        council_code,
        event_date,
        'adopter_' || lower(event_type) as event_type
    from adopter_events
    where event_type in ('ENQUIRY', 'APPROVAL')
),

pooled_events as (
    select
        reporting_units.reporting_code as council_code,
        events.event_date,
        events.event_type
    from events
    inner join reporting_units
        on
            events.council_code = reporting_units.council_code
            and {{ counts_in_reporting_unit('reporting_units', 'events.event_date') }}
),

bounds as (
    -- months run on to the one holding the as-of date, as raa_quarterly's quarters do
    select
        min(pooled_events.event_date) as first_date,
        greatest(max(pooled_events.event_date), any_value(as_of.as_of_date)) as last_date
    from pooled_events
    cross join as_of
),

months as (
    select distinct
        dim_date.month_start,
        dim_date.month_end
    from {{ ref('dim_date') }} as dim_date
    inner join bounds
        on dim_date.date_day between bounds.first_date and bounds.last_date
),

grid as (
    -- a council that has left stands at its last export (data_until)
    select distinct
        reporting_units.reporting_code as council_code,
        months.month_start,
        months.month_end,
        least(as_of.as_of_date, reporting_units.data_until) as data_as_of
    from reporting_units
    cross join months
    cross join as_of
),

counts as (
    select
        grid.council_code,
        grid.month_start,
        {{ journey_event_counts('pooled_events') }},
        count(*) filter (where pooled_events.event_type = 'adopter_enquiry') as adopter_enquiries,
        count(*) filter (where pooled_events.event_type = 'adopter_approval') as adopter_approvals
    from grid
    left join pooled_events
        on
            grid.council_code = pooled_events.council_code
            and pooled_events.event_date between grid.month_start and grid.month_end
    group by grid.council_code, grid.month_start
),

final as (
    select
        grid.council_code,
        grid.month_start,
        grid.month_end,
        {{ fy_label('grid.month_start') }} as financial_year,
        {{ fy_quarter_start('grid.month_start') }} as quarter_start,
        -- a month ending after the data's as-of date is not over (domain A.5): flagged
        {{ partial_flags('grid.month_end', 'grid.data_as_of') }},
        cast(counts.adm_decisions as integer) as adm_decisions,
        cast(counts.placement_orders as integer) as placement_orders,
        cast(counts.matches as integer) as matches,
        cast(counts.children_placed as integer) as children_placed,
        cast(counts.adoption_orders as integer) as adoption_orders,
        cast(counts.decisions_reversed as integer) as decisions_reversed,
        cast(counts.disruptions as integer) as disruptions,
        cast(counts.adopter_enquiries as integer) as adopter_enquiries,
        cast(counts.adopter_approvals as integer) as adopter_approvals
    from grid
    inner join counts
        on grid.council_code = counts.council_code and grid.month_start = counts.month_start
)

select * from final
