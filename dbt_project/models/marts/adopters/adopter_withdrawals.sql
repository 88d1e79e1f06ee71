-- Households leaving the adopter process, by reason, per partner council and for the
-- partnership, by financial quarter.
with events as (
    select * from {{ ref('fct_adopter_events') }}
),

reporting_units as (
    select * from {{ ref('int_reporting_units') }}
),

pooled as (
    select
        reporting_units.reporting_code as council_code,
        events.quarter_start,
        events.withdrawal_reason
    from events
    inner join reporting_units
        on
            events.council_code = reporting_units.council_code
            and {{ counts_in_reporting_unit('reporting_units', 'events.event_date') }}
    where events.event_type = 'WITHDRAWAL'
),

unit_as_of as (
    {{ data_as_of_of_units('reporting_units') }}
),

counted as (
    select
        council_code,
        quarter_start,
        cast(quarter_start + interval 3 month - interval 1 day as date) as quarter_end,
        coalesce(withdrawal_reason, 'not recorded') as withdrawal_reason,
        count(*) as withdrawals
    from pooled
    group by council_code, quarter_start, coalesce(withdrawal_reason, 'not recorded')
),

final as (
    select
        counted.council_code,
        counted.quarter_start,
        counted.quarter_end,
        {{ fy_label('counted.quarter_start') }} as financial_year,
        counted.withdrawal_reason,
        cast(counted.withdrawals as integer) as withdrawals,
        {{ partial_flags('counted.quarter_end', 'unit_as_of.data_as_of') }}
    from counted
    left join unit_as_of on counted.council_code = unit_as_of.council_code
)

select * from final
