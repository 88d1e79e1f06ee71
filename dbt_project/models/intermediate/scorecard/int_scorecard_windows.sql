-- The scorecard's windows, for every partner council and the partnership: one-year and
-- three-year windows ending at every financial quarter's end, from the first adoption year to
-- the last. Those ending 31 March are the scorecard's financial-year windows (labelled like
-- 2020-21 and 2018-21); the others are labelled like "3 years to Sep 2020", as boards quote
-- rolling figures. A window that starts before the first financial year with an adoption order
-- in the data (data_from) holds less than its years: starts_before_data says so.
with journeys as (
    select * from {{ ref('fct_adoption_journeys') }}
),

reporting_units as (
    select distinct reporting_code as council_code from {{ ref('int_reporting_units') }}
),

adopted as (
    select journeys.adoption_order_date
    from journeys
    inner join {{ ref('int_reporting_units') }} as units
        on journeys.council_code = units.council_code and not units.is_partnership_total
    where journeys.is_adopted
),

bounds as (
    select
        min({{ fy_start_year('adoption_order_date') }}) as first_year,
        max({{ fy_start_year('adoption_order_date') }}) as last_year
    from adopted
),

quarter_ends as (
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

final as (
    select
        reporting_units.council_code,
        windows.window_label,
        windows.window_start,
        windows.window_end,
        cast(windows.window_years as integer) as window_years,
        windows.is_financial_year_window,
        make_date(bounds.first_year, 4, 1) as data_from,
        windows.window_start < make_date(bounds.first_year, 4, 1) as starts_before_data
    from reporting_units
    cross join windows
    cross join bounds
)

select * from final
