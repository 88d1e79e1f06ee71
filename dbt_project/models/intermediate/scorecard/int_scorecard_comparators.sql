-- For every scorecard window and indicator, the latest published average of each comparator
-- (England, statistical neighbours, another region): the one for a window of the same length
-- ending no later than this window, applying to this council (or to everyone). When this
-- window's own figure is not published yet, the row names the earlier window it comes from.
with windows as (
    select * from {{ ref('int_scorecard_windows') }}
),

comparators as (
    select * from {{ ref('comparators') }}
),

candidates as (
    select
        windows.council_code,
        windows.window_label,
        windows.window_years,
        windows.window_end,
        comparators.indicator,
        comparators.comparator,
        comparators.value_days,
        comparators.window_label as comparator_window_label,
        comparators.window_end as comparator_window_end,
        comparators.source,
        comparators.applies_to is not null as is_council_specific
    from windows
    inner join comparators
        on
            windows.window_years = comparators.window_years
            and windows.window_end >= comparators.window_end
            and (comparators.applies_to is null or windows.council_code = comparators.applies_to)
),

final as (
    select
        council_code,
        window_label,
        window_years,
        indicator,
        comparator,
        cast(value_days as double) as comparator_mean_days,
        comparator_window_label,
        comparator_window_end,
        comparator_window_end = window_end as is_same_window,
        source as comparator_source
    from candidates
    qualify row_number() over (
        partition by council_code, window_label, window_years, indicator, comparator
        order by comparator_window_end desc, is_council_specific desc
    ) = 1
)

select * from final
