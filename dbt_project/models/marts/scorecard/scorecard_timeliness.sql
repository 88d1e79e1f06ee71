-- Adoption scorecard timeliness (domain A.3) per partner council and for the partnership
-- (all partner councils' children pooled), for the windows of int_scorecard_windows: one-year
-- and three-year windows ending at every financial quarter's end. Means are pooled over
-- children and stored unrounded. A window that ends after the data's as-of date is partial
-- (domain A.5); for a council that has left, one ending after its last export's date. England
-- comparators come from int_scorecard_comparators (the latest published for a window of the
-- same length ending no later than this one, named by its window label).
with journeys as (
    select * from {{ ref('fct_adoption_journeys') }}
),

reporting_units as (
    select * from {{ ref('int_reporting_units') }}
),

thresholds as (
    select * from {{ ref('scorecard_thresholds') }}
),

england as (
    select * from {{ ref('int_scorecard_comparators') }}
    where comparator = 'england'
),

cohort as (
    select
        reporting_units.reporting_code as council_code,
        journeys.adoption_order_date,
        journeys.a1_days,
        journeys.a10_days,
        journeys.a2_days,
        journeys.a3_within_14_months
    from journeys
    inner join reporting_units
        on
            journeys.council_code = reporting_units.council_code
            and {{ counts_in_reporting_unit('reporting_units', 'journeys.adoption_order_date') }}
    where journeys.is_adopted
),

grid as (
    select * from {{ ref('int_scorecard_windows') }}
),

aggregated as (
    select
        grid.council_code,
        grid.window_label,
        grid.window_start,
        grid.window_end,
        grid.window_years,
        grid.is_financial_year_window,
        grid.starts_before_data,
        grid.data_from,
        count(cohort.adoption_order_date) as children_adopted,
        count(cohort.a1_days) as a1_children,
        avg(cohort.a1_days) as a1_mean_days,
        count(cohort.a10_days) as a10_children,
        avg(cohort.a10_days) as a10_mean_days,
        count(cohort.a2_days) as a2_children,
        avg(cohort.a2_days) as a2_mean_days,
        count(cohort.a3_within_14_months) filter (where cohort.a3_within_14_months) as a3_children_within_14_months,
        count(cohort.a3_within_14_months) as a3_children
    from grid
    left join cohort
        on
            grid.council_code = cohort.council_code
            and cohort.adoption_order_date between grid.window_start and grid.window_end
    group by
        grid.council_code, grid.window_label, grid.window_start, grid.window_end, grid.window_years,
        grid.is_financial_year_window, grid.starts_before_data, grid.data_from
),

unit_as_of as (
    {{ data_as_of_of_units('reporting_units') }}
),

final as (
    select
        aggregated.council_code,
        aggregated.window_label,
        aggregated.window_start,
        aggregated.window_end,
        cast(aggregated.window_years as integer) as window_years,
        aggregated.is_financial_year_window,
        {{ partial_flags('aggregated.window_end', 'unit_as_of.data_as_of') }},
        aggregated.starts_before_data,
        aggregated.data_from,
        cast(aggregated.children_adopted as integer) as children_adopted,
        cast(aggregated.a1_children as integer) as a1_children,
        cast(aggregated.a1_mean_days as double) as a1_mean_days,
        cast(aggregated.a10_children as integer) as a10_children,
        cast(aggregated.a10_mean_days as double) as a10_mean_days,
        cast(aggregated.a2_children as integer) as a2_children,
        cast(aggregated.a2_mean_days as double) as a2_mean_days,
        cast(aggregated.a3_children_within_14_months as integer) as a3_children_within_14_months,
        cast(
            aggregated.a3_children_within_14_months / nullif(aggregated.a3_children, 0) as double
        ) as a3_share,
        cast(a1_threshold.threshold_days as integer) as a1_threshold_days,
        cast(a2_threshold.threshold_days as integer) as a2_threshold_days,
        england_a1.comparator_mean_days as england_a1_mean_days,
        england_a1.comparator_window_label as england_a1_window_label,
        england_a10.comparator_mean_days as england_a10_mean_days,
        england_a10.comparator_window_label as england_a10_window_label,
        england_a2.comparator_mean_days as england_a2_mean_days,
        england_a2.comparator_window_label as england_a2_window_label
    from aggregated
    inner join unit_as_of on aggregated.council_code = unit_as_of.council_code
    left join thresholds as a1_threshold
        on aggregated.window_label = a1_threshold.window_label and a1_threshold.indicator = 'A1'
    left join thresholds as a2_threshold
        on aggregated.window_label = a2_threshold.window_label and a2_threshold.indicator = 'A2'
    left join england as england_a1
        on
            aggregated.council_code = england_a1.council_code
            and aggregated.window_label = england_a1.window_label
            and aggregated.window_years = england_a1.window_years
            and england_a1.indicator = 'A1'
    left join england as england_a10
        on
            aggregated.council_code = england_a10.council_code
            and aggregated.window_label = england_a10.window_label
            and aggregated.window_years = england_a10.window_years
            and england_a10.indicator = 'A10'
    left join england as england_a2
        on
            aggregated.council_code = england_a2.council_code
            and aggregated.window_label = england_a2.window_label
            and aggregated.window_years = england_a2.window_years
            and england_a2.indicator = 'A2'
)

select * from final
