-- Households leaving the adopter process, by reason, per partner council and for the
-- partnership, by financial quarter.
with events as (
    select * from {{ ref('fct_adopter_events') }}
),

councils as (
    select * from {{ ref('dim_council') }}
),

partner_withdrawals as (
    select events.*
    from events
    inner join councils on events.council_code = councils.council_code
    where councils.is_partner_council and events.event_type = 'WITHDRAWAL'
),

pooled as (
    select
        council_code,
        quarter_start,
        withdrawal_reason
    from partner_withdrawals
    union all
    select
        councils.council_code,
        partner_withdrawals.quarter_start,
        partner_withdrawals.withdrawal_reason
    from partner_withdrawals
    cross join councils
    where councils.is_partnership
),

final as (
    select
        council_code,
        quarter_start,
        cast(quarter_start + interval 3 month - interval 1 day as date) as quarter_end,
        {{ fy_label('quarter_start') }} as financial_year,
        coalesce(withdrawal_reason, 'not recorded') as withdrawal_reason,
        cast(count(*) as integer) as withdrawals
    from pooled
    group by council_code, quarter_start, coalesce(withdrawal_reason, 'not recorded')
)

select * from final
