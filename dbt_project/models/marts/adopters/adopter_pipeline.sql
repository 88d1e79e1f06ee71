-- Adopter recruitment and assessment per partner council (with its hub) and for the
-- partnership (pooled), by financial quarter.
with events as (
    select * from {{ ref('fct_adopter_events') }}
),

households as (
    select * from {{ ref('dim_adopter_household') }}
),

reporting_units as (
    select * from {{ ref('int_reporting_units') }}
),

councils as (
    select * from {{ ref('dim_council') }}
),

units as (
    -- every reporting unit (each partner council and REGION), with its hub (none for REGION)
    select distinct
        reporting_units.reporting_code as council_code,
        case when not reporting_units.is_partnership_total then councils.hub_name end as hub_name
    from reporting_units
    left join councils on reporting_units.reporting_code = councils.council_code
),

pooled_events as (
    select
        reporting_units.reporting_code as council_code,
        events.event_type,
        events.event_date,
        events.is_early_permanence
    from events
    inner join reporting_units
        on
            events.council_code = reporting_units.council_code
            and {{ counts_in_reporting_unit('reporting_units', 'events.event_date') }}
),

pooled_households as (
    select
        reporting_units.reporting_code as council_code,
        households.household_id,
        households.approval_date,
        households.registration_to_approval_days,
        households.approved_within_6_months,
        households.matched_within_3_months,
        households.first_match_date,
        households.withdrawal_date
    from households
    inner join reporting_units
        on
            households.council_code = reporting_units.council_code
            and {{ counts_in_reporting_unit('reporting_units', 'households.approval_date') }}
),

bounds as (
    select
        min(event_date) as first_date,
        max(event_date) as last_date
    from pooled_events
),

quarters as (
    -- every quarter from the first event to the last, from the conformed calendar
    select distinct
        dim_date.quarter_start,
        dim_date.quarter_end
    from {{ ref('dim_date') }} as dim_date
    inner join bounds
        on dim_date.date_day between bounds.first_date and bounds.last_date
),

grid as (
    select
        units.council_code,
        units.hub_name,
        quarters.quarter_start,
        quarters.quarter_end
    from units
    cross join quarters
),

event_counts as (
    select
        grid.council_code,
        grid.quarter_start,
        count(*) filter (where pooled_events.event_type = 'ENQUIRY') as enquiries,
        count(*) filter (where pooled_events.event_type = 'REGISTRATION') as registrations,
        count(*) filter (where pooled_events.event_type = 'STAGE1') as stage1_starts,
        count(*) filter (where pooled_events.event_type = 'STAGE2') as stage2_starts,
        count(*) filter (where pooled_events.event_type = 'APPROVAL') as approvals,
        count(*) filter (
            where pooled_events.event_type = 'APPROVAL' and pooled_events.is_early_permanence
        ) as early_permanence_approvals,
        count(*) filter (where pooled_events.event_type = 'MATCH') as matches,
        count(*) filter (where pooled_events.event_type = 'WITHDRAWAL') as withdrawals
    from grid
    left join pooled_events
        on
            grid.council_code = pooled_events.council_code
            and pooled_events.event_date between grid.quarter_start and grid.quarter_end
    group by grid.council_code, grid.quarter_start
),

approval_cohort as (
    select
        grid.council_code,
        grid.quarter_start,
        avg(pooled_households.registration_to_approval_days) as registration_to_approval_mean_days,
        count(pooled_households.approved_within_6_months) as approvals_with_registration,
        count(*) filter (where pooled_households.approved_within_6_months) as approved_within_6_months,
        count(pooled_households.household_id) as households_approved,
        count(*) filter (where pooled_households.matched_within_3_months) as matched_within_3_months
    from grid
    inner join pooled_households
        on
            grid.council_code = pooled_households.council_code
            and pooled_households.approval_date between grid.quarter_start and grid.quarter_end
    group by grid.council_code, grid.quarter_start
),

waiting as (
    select
        grid.council_code,
        grid.quarter_start,
        count(*) as approved_households_waiting
    from grid
    inner join pooled_households
        on
            grid.council_code = pooled_households.council_code
            and grid.quarter_end >= pooled_households.approval_date
            and (pooled_households.first_match_date is null or grid.quarter_end < pooled_households.first_match_date)
            and (
                pooled_households.withdrawal_date is null
                or grid.quarter_end < pooled_households.withdrawal_date
                or pooled_households.withdrawal_date < pooled_households.approval_date
            )
    group by grid.council_code, grid.quarter_start
),

unit_as_of as (
    {{ data_as_of_of_units('reporting_units') }}
),

final as (
    select
        grid.council_code,
        grid.hub_name,
        grid.quarter_start,
        grid.quarter_end,
        {{ fy_label('grid.quarter_start') }} as financial_year,
        cast(event_counts.enquiries as integer) as enquiries,
        cast(event_counts.registrations as integer) as registrations,
        cast(event_counts.stage1_starts as integer) as stage1_starts,
        cast(event_counts.stage2_starts as integer) as stage2_starts,
        cast(event_counts.approvals as integer) as approvals,
        cast(event_counts.early_permanence_approvals as integer) as early_permanence_approvals,
        cast(event_counts.matches as integer) as matches,
        cast(event_counts.withdrawals as integer) as withdrawals,
        cast(approval_cohort.registration_to_approval_mean_days as double) as registration_to_approval_mean_days,
        -- each share's numerator and denominator are published counts, so disclosure control
        -- withholds a share whose households number 1-5 with them
        cast(coalesce(approval_cohort.approvals_with_registration, 0) as integer) as approvals_with_registration,
        cast(coalesce(approval_cohort.approved_within_6_months, 0) as integer) as approved_within_6_months,
        cast(
            approval_cohort.approved_within_6_months / nullif(approval_cohort.approvals_with_registration, 0) as double
        ) as approved_within_6_months_share,
        cast(coalesce(waiting.approved_households_waiting, 0) as integer) as approved_households_waiting,
        cast(coalesce(approval_cohort.households_approved, 0) as integer) as households_approved,
        cast(coalesce(approval_cohort.matched_within_3_months, 0) as integer) as matched_within_3_months,
        cast(
            approval_cohort.matched_within_3_months / nullif(approval_cohort.households_approved, 0) as double
        ) as matched_within_3_months_share,
        -- every household approved in the quarter has had its 3 months by the as-of date (a
        -- council that has left: its last export's); until then the share can still rise (a
        -- household matched later in its 3 months)
        cast(grid.quarter_end + interval 3 month as date) <= unit_as_of.data_as_of
            as is_matched_within_3_months_final,
        {{ partial_flags('grid.quarter_end', 'unit_as_of.data_as_of') }}
    from grid
    left join unit_as_of on grid.council_code = unit_as_of.council_code
    left join event_counts
        on grid.council_code = event_counts.council_code and grid.quarter_start = event_counts.quarter_start
    left join approval_cohort
        on grid.council_code = approval_cohort.council_code and grid.quarter_start = approval_cohort.quarter_start
    left join waiting
        on grid.council_code = waiting.council_code and grid.quarter_start = waiting.quarter_start
)

select * from final
