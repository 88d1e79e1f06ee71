-- Calendar with financial years (1 April - 31 March, labelled '2022-23') and financial
-- quarters (Q1 = April-June).
with days as (
    select cast(calendar_days.day_value as date) as date_day
    from range(
        cast('{{ var("calendar_start") }}' as date),
        cast('{{ var("calendar_end") }}' as date) + interval 1 day,
        interval 1 day
    ) as calendar_days (day_value)
),

final as (
    select
        date_day,
        year(date_day) as calendar_year,
        month(date_day) as calendar_month,
        quarter(date_day) as calendar_quarter,
        dayofmonth(date_day) as day_of_month,
        isodow(date_day) as iso_day_of_week,
        cast(date_trunc('month', date_day) as date) as month_start,
        cast(last_day(date_day) as date) as month_end,
        {{ fy_quarter_start('date_day') }} as quarter_start,
        cast(date_trunc('quarter', date_day) + interval 3 month - interval 1 day as date) as quarter_end,
        {{ fy_start_year('date_day') }} as financial_year_start_year,
        {{ fy_label('date_day') }} as financial_year,
        make_date({{ fy_start_year('date_day') }}, 4, 1) as financial_year_start,
        make_date({{ fy_start_year('date_day') }} + 1, 3, 31) as financial_year_end,
        ((month(date_day) + 8) % 12) // 3 + 1 as financial_quarter,
        {{ fy_label('date_day') }}
        || ' Q'
        || cast(((month(date_day) + 8) % 12) // 3 + 1 as varchar) as financial_quarter_label,
        month(date_day) = 2 and dayofmonth(date_day) = 29 as is_leap_day
    from days
)

select * from final
