-- RAA "real-time" quarterly measures (domain A.3) per partner council and for the
-- partnership (pooled), by financial quarter (Q1 = April-June). Every match and every
-- placement start counts in its quarter, also when it later disrupted (domain A.5).
with decisions as (
    select * from {{ ref('fct_adoption_decisions') }}
),

periods as (
    select * from {{ ref('fct_periods_of_care') }}
),

placements as (
    select * from {{ ref('fct_adoption_placements') }}
),

reporting_units as (
    select * from {{ ref('int_reporting_units') }}
),

events as (
    select * from {{ ref('int_journey_events') }}
),

as_of as (
    select * from {{ ref('int_data_as_of') }}
),

pooled_events as (
    select
        reporting_units.reporting_code as council_code,
        events.event_date,
        events.event_type,
        events.order_to_match_days
    from events
    inner join reporting_units
        on
            events.council_code = reporting_units.council_code
            and {{ counts_in_reporting_unit('reporting_units', 'events.event_date') }}
),

bounds as (
    -- the reporting units' own events: another council's (or the agency's) add no quarter.
    -- Quarters run on to the one holding the as-of date: children still wait in a quarter
    -- with no event.
    select
        min(pooled_events.event_date) as first_date,
        greatest(max(pooled_events.event_date), any_value(as_of.as_of_date)) as last_date
    from pooled_events
    cross join as_of
),

quarters as (
    -- every quarter from the first event to the as-of date, from the conformed calendar
    select distinct
        dim_date.quarter_start,
        dim_date.quarter_end
    from {{ ref('dim_date') }} as dim_date
    inner join bounds
        on dim_date.date_day between bounds.first_date and bounds.last_date
),

grid as (
    -- a council that has left stands at its last export (data_until); REGION, which no longer
    -- counts it, at the partnership's as-of date
    select distinct
        reporting_units.reporting_code as council_code,
        quarters.quarter_start,
        quarters.quarter_end,
        least(as_of.as_of_date, reporting_units.data_until) as data_as_of,
        least(quarters.quarter_end, as_of.as_of_date, reporting_units.data_until) as waiting_at
    from reporting_units
    cross join quarters
    cross join as_of
),

counts as (
    select
        grid.council_code,
        grid.quarter_start,
        {{ journey_event_counts('pooled_events') }},
        {{ order_to_match_aggregates('pooled_events') }}
    from grid
    left join pooled_events
        on
            grid.council_code = pooled_events.council_code
            and pooled_events.event_date between grid.quarter_start and grid.quarter_end
    group by grid.council_code, grid.quarter_start
),

rolling as (
    select
        grid.council_code,
        grid.quarter_start,
        count(pooled_events.order_to_match_days) as matched_with_order_rolling_12m,
        avg(pooled_events.order_to_match_days) as order_to_match_mean_days_rolling_12m
    from grid
    left join pooled_events
        on
            grid.council_code = pooled_events.council_code
            and pooled_events.event_type = 'match'
            and pooled_events.event_date
            between cast(grid.quarter_start - interval 9 month as date) and grid.quarter_end
    group by grid.council_code, grid.quarter_start
),

ordered_periods as (
    select periods.*
    from periods
    where
        periods.placement_order_date is not null
        and periods.council_code in (
            select own_units.council_code from reporting_units as own_units
            where not own_units.is_partnership_total
        )
),

waiting as (
    -- placement order made by quarter end, still in care, not in an adoption placement at
    -- quarter end, and the adoption plan not ceased by then; a quarter not over in the data
    -- (is_partial) is measured on the as-of date, as children_waiting is: nothing is known after
    select
        ordered_periods.council_code,
        ordered_periods.child_key,
        grid.quarter_start,
        grid.quarter_end,
        grid.waiting_at,
        ordered_periods.period_start_date,
        ordered_periods.placement_order_date
    from ordered_periods
    inner join grid
        on
            ordered_periods.council_code = grid.council_code
            and ordered_periods.placement_order_date <= grid.waiting_at
            and (ordered_periods.period_end_date is null or ordered_periods.period_end_date > grid.waiting_at)
    where
        not exists (
            select 1
            from placements
            where
                placements.period_key = ordered_periods.period_key
                and placements.placement_start_date <= grid.waiting_at
                and (placements.placement_end_date is null or placements.placement_end_date > grid.waiting_at)
        )
        and not exists (
            select 1
            from decisions
            where
                decisions.period_key = ordered_periods.period_key
                and decisions.decision_date <= grid.waiting_at
                and decisions.decision_ceased_date <= grid.waiting_at
                and not exists (
                    select 1
                    from decisions as later
                    where
                        later.period_key = decisions.period_key
                        and later.decision_date > decisions.decision_date
                        and later.decision_date <= grid.waiting_at
                )
        )
),

pooled_waiting as (
    select
        reporting_units.reporting_code as council_code,
        waiting.quarter_start,
        waiting.waiting_at,
        waiting.period_start_date,
        waiting.placement_order_date
    from waiting
    cross join as_of
    inner join reporting_units
        on
            waiting.council_code = reporting_units.council_code
            -- a partner on the day REGION's quarter is measured (a council that has left
            -- is measured earlier, on its own)
            and {{ counts_in_reporting_unit('reporting_units', 'least(waiting.quarter_end, as_of.as_of_date)') }}
),

waiting_summary as (
    select
        council_code,
        quarter_start,
        count(*) as children_waiting,
        avg({{ days_between('placement_order_date', 'waiting_at') }}) as waiting_mean_days_since_order,
        avg({{ days_between('period_start_date', 'waiting_at') }}) as waiting_mean_days_since_entered_care,
        count(*) filter (
            where waiting_at >= cast(period_start_date + interval 18 month as date)
        ) as waiting_18_months_since_entered_care,
        count(*) filter (
            where waiting_at >= cast(placement_order_date + interval 12 month as date)
        ) as waiting_12_months_since_order,
        count(*) filter (
            where waiting_at >= cast(placement_order_date + interval 18 month as date)
        ) as waiting_18_months_since_order
    from pooled_waiting
    group by council_code, quarter_start
),

final as (
    select
        grid.council_code,
        grid.quarter_start,
        grid.quarter_end,
        {{ fy_label('grid.quarter_start') }} as financial_year,
        cast(((month(grid.quarter_start) + 8) % 12) // 3 + 1 as integer) as financial_quarter,
        -- a quarter ending after the data's as-of date is not over (domain A.5): flagged
        {{ partial_flags('grid.quarter_end', 'grid.data_as_of') }},
        cast(counts.adm_decisions as integer) as adm_decisions,
        cast(counts.placement_orders as integer) as placement_orders,
        cast(counts.matches as integer) as matches,
        cast(counts.children_placed as integer) as children_placed,
        cast(counts.adoption_orders as integer) as adoption_orders,
        cast(counts.decisions_reversed as integer) as decisions_reversed,
        cast(counts.disruptions as integer) as disruptions,
        cast(counts.matched_with_order as integer) as matched_with_order,
        cast(counts.order_to_match_mean_days as double) as order_to_match_mean_days,
        cast(rolling.matched_with_order_rolling_12m as integer) as matched_with_order_rolling_12m,
        cast(rolling.order_to_match_mean_days_rolling_12m as double) as order_to_match_mean_days_rolling_12m,
        cast(coalesce(waiting_summary.children_waiting, 0) as integer) as children_waiting,
        cast(waiting_summary.waiting_mean_days_since_order as double) as waiting_mean_days_since_order,
        cast(waiting_summary.waiting_mean_days_since_entered_care as double) as waiting_mean_days_since_entered_care,
        cast(coalesce(waiting_summary.waiting_18_months_since_entered_care, 0) as integer)
            as waiting_18_months_since_entered_care,
        cast(coalesce(waiting_summary.waiting_12_months_since_order, 0) as integer) as waiting_12_months_since_order,
        cast(coalesce(waiting_summary.waiting_18_months_since_order, 0) as integer) as waiting_18_months_since_order
    from grid
    left join counts
        on grid.council_code = counts.council_code and grid.quarter_start = counts.quarter_start
    left join rolling
        on grid.council_code = rolling.council_code and grid.quarter_start = rolling.quarter_start
    left join waiting_summary
        on grid.council_code = waiting_summary.council_code and grid.quarter_start = waiting_summary.quarter_start
)

select * from final
