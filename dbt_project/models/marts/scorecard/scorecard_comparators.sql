-- Every comparator for every scorecard window: England, statistical neighbours and other
-- regions' published averages (seed comparators), the latest available for a window of the
-- same length, with the window and source it comes from. Join to scorecard_timeliness on
-- council_code, window_label and window_years.
with comparators as (
    select * from {{ ref('int_scorecard_comparators') }}
),

windows as (
    select * from {{ ref('int_scorecard_windows') }}
),

final as (
    select
        comparators.council_code,
        comparators.window_label,
        comparators.window_years,
        windows.window_end,
        comparators.indicator,
        comparators.comparator,
        comparators.comparator_mean_days,
        comparators.comparator_window_label,
        comparators.comparator_window_end,
        comparators.is_same_window,
        comparators.comparator_source
    from comparators
    inner join windows
        on
            comparators.council_code = windows.council_code
            and comparators.window_label = windows.window_label
            and comparators.window_years = windows.window_years
)

select * from final
