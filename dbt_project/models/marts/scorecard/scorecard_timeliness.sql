-- Adoption scorecard timeliness (domain A.3) per partner council and for the partnership
-- (all partner councils' children pooled), for one-year and three-year windows ending at every
-- financial quarter's end (those ending 31 March are the scorecard's financial-year windows).
-- Means are pooled over children and stored unrounded. A window that ends after the as-of date
-- is partial (domain A.5). England comparators are the latest published
-- for a window of the same length ending no later than this one, named by their window label.
with journeys as (
    select * from {{ ref('fct_adoption_journeys') }}
),

councils as (
    select * from {{ ref('dim_council') }}
),

thresholds as (
    select * from {{ ref('scorecard_thresholds') }}
),

england as (
    select * from {{ ref('england_averages') }}
),

partnership as (
    select max(council_code) as region_code from councils
    where is_partnership
),

as_of as (
    select {{ as_of_date() }} as as_of_date
),

england_windows as (
    select
        indicator,
        window_label,
        window_years,
        england_average_days,
        make_date(cast(left(window_label, 4) as integer) + window_years, 3, 31) as window_end
    from england
),

adopted as (
    select
        journeys.council_code,
        journeys.adoption_order_date,
        journeys.a1_days,
        journeys.a10_days,
        journeys.a2_days,
        journeys.a3_within_14_months
    from journeys
    inner join councils on journeys.council_code = councils.council_code
    where journeys.is_adopted and councils.is_partner_council
),

cohort as (
    select * from adopted
    union all
    select
        partnership.region_code as council_code,
        adopted.adoption_order_date,
        adopted.a1_days,
        adopted.a10_days,
        adopted.a2_days,
        adopted.a3_within_14_months
    from adopted
    cross join partnership
),

reporting_units as (
    select council_code from councils
    where is_partner_council or is_partnership
),

bounds as (
    select
        min({{ fy_start_year('adoption_order_date') }}) as first_year,
        max({{ fy_start_year('adoption_order_date') }}) as last_year
    from adopted
),

quarter_ends as (
    -- every financial quarter's last day from the first adoption year to the last
    select cast(quarter_start + interval 3 month - interval 1 day as date) as window_end
    from bounds,
        unnest(generate_series(
            make_date(first_year, 4, 1), make_date(last_year + 1, 1, 1), interval 3 month
        )) as quarters (quarter_start)
    where first_year is not null
),

window_lengths as (
    select unnest([1, 3]) as window_years
),

windows as (
    -- one-year and three-year windows ending at every quarter end; those ending 31 March are
    -- the scorecard's financial-year windows, labelled like 2020-21 and 2018-21
    select
        lengths.window_years,
        cast(quarter_ends.window_end - to_years(lengths.window_years) + interval 1 day as date)
            as window_start,
        quarter_ends.window_end,
        month(quarter_ends.window_end) = 3 as is_financial_year_window,
        case
            when month(quarter_ends.window_end) = 3
                then
                    cast(year(quarter_ends.window_end) - lengths.window_years as varchar) || '-'
                    || lpad(cast(year(quarter_ends.window_end) % 100 as varchar), 2, '0')
            when lengths.window_years = 1
                then '12 months to ' || strftime(quarter_ends.window_end, '%b %Y')
            else
                cast(lengths.window_years as varchar) || ' years to '
                || strftime(quarter_ends.window_end, '%b %Y')
        end as window_label
    from quarter_ends
    cross join window_lengths as lengths
),

grid as (
    select
        reporting_units.council_code,
        windows.window_label,
        windows.window_start,
        windows.window_end,
        windows.window_years,
        windows.is_financial_year_window
    from reporting_units
    cross join windows
),

aggregated as (
    select
        grid.council_code,
        grid.window_label,
        grid.window_start,
        grid.window_end,
        grid.window_years,
        grid.is_financial_year_window,
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
        grid.is_financial_year_window
),

comparators as (
    -- per scorecard window and indicator: the latest England window of the same length that
    -- ended on or before it
    select
        aggregated.council_code,
        aggregated.window_label,
        aggregated.window_years,
        england_windows.indicator,
        arg_max(england_windows.england_average_days, england_windows.window_end) as england_average_days,
        arg_max(england_windows.window_label, england_windows.window_end) as england_window_label
    from aggregated
    inner join england_windows
        on
            aggregated.window_years = england_windows.window_years
            and aggregated.window_end >= england_windows.window_end
    group by aggregated.council_code, aggregated.window_label, aggregated.window_years, england_windows.indicator
),

final as (
    select
        aggregated.council_code,
        aggregated.window_label,
        aggregated.window_start,
        aggregated.window_end,
        cast(aggregated.window_years as integer) as window_years,
        aggregated.is_financial_year_window,
        aggregated.window_end > as_of.as_of_date as is_partial,
        case when aggregated.window_end > as_of.as_of_date then as_of.as_of_date end as partial_as_of,
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
        cast(england_a1.england_average_days as double) as england_a1_mean_days,
        england_a1.england_window_label as england_a1_window_label,
        cast(england_a10.england_average_days as double) as england_a10_mean_days,
        england_a10.england_window_label as england_a10_window_label,
        cast(england_a2.england_average_days as double) as england_a2_mean_days,
        england_a2.england_window_label as england_a2_window_label
    from aggregated
    cross join as_of
    left join thresholds as a1_threshold
        on aggregated.window_label = a1_threshold.window_label and a1_threshold.indicator = 'A1'
    left join thresholds as a2_threshold
        on aggregated.window_label = a2_threshold.window_label and a2_threshold.indicator = 'A2'
    left join comparators as england_a1
        on
            aggregated.council_code = england_a1.council_code
            and aggregated.window_label = england_a1.window_label
            and aggregated.window_years = england_a1.window_years
            and england_a1.indicator = 'A1'
    left join comparators as england_a10
        on
            aggregated.council_code = england_a10.council_code
            and aggregated.window_label = england_a10.window_label
            and aggregated.window_years = england_a10.window_years
            and england_a10.indicator = 'A10'
    left join comparators as england_a2
        on
            aggregated.council_code = england_a2.council_code
            and aggregated.window_label = england_a2.window_label
            and aggregated.window_years = england_a2.window_years
            and england_a2.indicator = 'A2'
)

select * from final
