-- Before and since the partnership launched (registry `partnership.launched`), as the boards
-- compare them: the 12 months before the launch against the time from the launch to the data's
-- as-of date, per partner council and for the partnership (pooled). Every match counts in its
-- period (domain A.5). The timeliness means are over the children matched in the period,
-- "taking the match date in lieu of an adoption date": entered care -> match (A1's start) and
-- placement order -> match (A2, floored at 0). Adoption support is dated by month: a month counts
-- in the period holding its first day (support_period_start .. support_period_end). No rows when
-- the registry gives no launch date.
with events as (
    select * from {{ ref('int_journey_events') }}
),

adopter_events as (
    select * from {{ ref('fct_adopter_events') }}
),

support_activity as (
    select * from {{ ref('int_support_activity') }}
),

reporting_units as (
    select * from {{ ref('int_reporting_units') }}
),

launch as (
    select max(partnership_launched_on) as launched_on from {{ ref('dim_council') }}
),

as_of as (
    select as_of_date from {{ ref('int_data_as_of') }}
),

periods as (
    select
        'before launch' as period,
        cast(launch.launched_on - interval 12 month as date) as period_start,
        cast(launch.launched_on - interval 1 day as date) as period_end
    from launch
    where launch.launched_on is not null
    union all
    select
        'since launch' as period,
        launch.launched_on as period_start,
        as_of.as_of_date as period_end
    from launch
    cross join as_of
    where launch.launched_on <= as_of.as_of_date
),

grid as (
    select distinct
        reporting_units.reporting_code as council_code,
        periods.period,
        periods.period_start,
        periods.period_end,
        -- the months whose first day is in the period
        case
            when day(periods.period_start) = 1 then periods.period_start
            else cast(date_trunc('month', periods.period_start) + interval 1 month as date)
        end as support_period_start,
        last_day(periods.period_end) as support_period_end
    from reporting_units
    cross join periods
),

pooled_events as (
    select
        reporting_units.reporting_code as council_code,
        events.event_date,
        events.event_type,
        events.order_to_match_days,
        events.care_to_match_days
    from events
    inner join reporting_units
        on
            events.council_code = reporting_units.council_code
            and {{ counts_in_reporting_unit('reporting_units', 'events.event_date') }}
    union all
    select
        reporting_units.reporting_code as council_code,
        adopter_events.event_date,
        'adopter_approval' as event_type,
        null as order_to_match_days,
        null as care_to_match_days
    from adopter_events
    inner join reporting_units
        on
            adopter_events.council_code = reporting_units.council_code
            and {{ counts_in_reporting_unit('reporting_units', 'adopter_events.event_date') }}
    where adopter_events.event_type = 'APPROVAL'
),

counts as (
    select
        grid.council_code,
        grid.period,
        count(*) filter (where pooled_events.event_type = 'adm_decision') as adm_decisions,
        count(*) filter (where pooled_events.event_type = 'placement_order') as placement_orders,
        count(*) filter (where pooled_events.event_type = 'match') as matches,
        count(*) filter (where pooled_events.event_type = 'placed') as placements_started,
        count(*) filter (where pooled_events.event_type = 'adoption_order') as adoption_orders,
        count(*) filter (where pooled_events.event_type = 'adopter_approval') as adopter_approvals,
        count(pooled_events.care_to_match_days) filter (where pooled_events.event_type = 'match')
            as matched_with_care_start,
        avg(pooled_events.care_to_match_days) filter (where pooled_events.event_type = 'match')
            as care_to_match_mean_days,
        {{ order_to_match_aggregates('pooled_events') }}
    from grid
    left join pooled_events
        on
            grid.council_code = pooled_events.council_code
            and pooled_events.event_date between grid.period_start and grid.period_end
    group by grid.council_code, grid.period
),

pooled_support as (
    select
        reporting_units.reporting_code as council_code,
        support_activity.activity_month,
        support_activity.activity_type,
        support_activity.amount_gbp
    from support_activity
    inner join reporting_units
        on
            support_activity.council_code = reporting_units.council_code
            and {{ counts_in_reporting_unit('reporting_units', 'support_activity.activity_month') }}
),

support as (
    select
        grid.council_code,
        grid.period,
        {{ support_activity_aggregates('pooled_support') }}
    from grid
    left join pooled_support
        on
            grid.council_code = pooled_support.council_code
            and pooled_support.activity_month between grid.support_period_start and grid.support_period_end
    group by grid.council_code, grid.period
),

final as (
    select
        grid.council_code,
        grid.period,
        grid.period_start,
        grid.period_end,
        cast({{ days_between('grid.period_start', 'grid.period_end') }} + 1 as integer) as period_days,
        cast(counts.adm_decisions as integer) as adm_decisions,
        cast(counts.placement_orders as integer) as placement_orders,
        cast(counts.matches as integer) as matches,
        cast(counts.placements_started as integer) as placements_started,
        cast(counts.adoption_orders as integer) as adoption_orders,
        cast(counts.adopter_approvals as integer) as adopter_approvals,
        cast(counts.matched_with_care_start as integer) as matched_with_care_start,
        cast(counts.care_to_match_mean_days as double) as care_to_match_mean_days,
        cast(counts.matched_with_order as integer) as matched_with_order,
        cast(counts.order_to_match_mean_days as double) as order_to_match_mean_days,
        grid.support_period_start,
        grid.support_period_end,
        {{ support_activity_columns('support') }}
    from grid
    inner join counts on grid.council_code = counts.council_code and grid.period = counts.period
    inner join support on grid.council_code = support.council_code and grid.period = support.period
)

select * from final
