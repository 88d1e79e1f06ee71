-- Adoption support activity per partner council and for the partnership, by calendar month:
-- referrals and assessments, Adoption Support Fund applications (amounts applied for by
-- application month, amounts approved by decision month) and letterbox exchanges.
with activity as (
    select * from {{ ref('int_support_activity') }}
),

reporting_units as (
    select * from {{ ref('int_reporting_units') }}
),

pooled as (
    select
        reporting_units.reporting_code as council_code,
        activity.activity_month,
        activity.activity_type,
        activity.amount_gbp
    from activity
    inner join reporting_units
        on
            activity.council_code = reporting_units.council_code
            and {{ counts_in_reporting_unit('reporting_units', 'activity.activity_month') }}
),

bounds as (
    select
        min(activity_month) as first_month,
        max(activity_month) as last_month
    from pooled
),

months as (
    select cast(unnest(generate_series(first_month, last_month, interval 1 month)) as date) as activity_month
    from bounds
    where first_month is not null
),

units as (
    select distinct reporting_code as council_code from reporting_units
),

grid as (
    select
        units.council_code,
        months.activity_month
    from units
    cross join months
),

aggregated as (
    select
        grid.council_code,
        grid.activity_month,
        {{ support_activity_aggregates('pooled') }}
    from grid
    left join pooled
        on grid.council_code = pooled.council_code and grid.activity_month = pooled.activity_month
    group by grid.council_code, grid.activity_month
),

unit_as_of as (
    {{ data_as_of_of_units('reporting_units') }}
),

final as (
    select
        aggregated.council_code,
        aggregated.activity_month as month_start,
        last_day(aggregated.activity_month) as month_end,
        {{ fy_label('aggregated.activity_month') }} as financial_year,
        {{ support_activity_columns('aggregated') }},
        {{ partial_flags('last_day(aggregated.activity_month)', 'unit_as_of.data_as_of') }}
    from aggregated
    left join unit_as_of on aggregated.council_code = unit_as_of.council_code
)

select * from final
