-- Adoption support activity per partner council and for the partnership, by calendar month:
-- referrals and assessments, Adoption Support Fund applications (amounts applied for by
-- application month, amounts approved by decision month) and letterbox exchanges.
with cases as (
    select * from {{ ref('fct_support_cases') }}
),

applications as (
    select * from {{ ref('fct_support_fund_applications') }}
),

exchanges as (
    select * from {{ ref('fct_letterbox_exchanges') }}
),

reporting_units as (
    select * from {{ ref('int_reporting_units') }}
),

activity as (
    select
        council_code,
        referral_month as activity_month,
        'referral' as activity_type,
        cast(null as decimal(14, 2)) as amount_gbp
    from cases
    union all
    select
        council_code,
        assessment_month as activity_month,
        'assessment' as activity_type,
        null as amount_gbp
    from cases
    where assessment_month is not null
    union all
    select
        council_code,
        application_month as activity_month,
        'asf_application' as activity_type,
        amount_applied_gbp as amount_gbp
    from applications
    union all
    select
        council_code,
        decision_month as activity_month,
        'asf_approval' as activity_type,
        amount_approved_gbp as amount_gbp
    from applications
    where application_status = 'APPROVED' and decision_month is not null
    union all
    select
        council_code,
        exchange_month as activity_month,
        'letterbox_' || lower(exchange_direction) as activity_type,
        null as amount_gbp
    from exchanges
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
        count(*) filter (where pooled.activity_type = 'referral') as support_referrals,
        count(*) filter (where pooled.activity_type = 'assessment') as support_assessments,
        count(*) filter (where pooled.activity_type = 'asf_application') as asf_applications,
        sum(pooled.amount_gbp) filter (where pooled.activity_type = 'asf_application') as asf_amount_applied_gbp,
        count(*) filter (where pooled.activity_type = 'asf_approval') as asf_applications_approved,
        sum(pooled.amount_gbp) filter (where pooled.activity_type = 'asf_approval') as asf_amount_approved_gbp,
        count(*) filter (where pooled.activity_type like 'letterbox_%') as letterbox_exchanges,
        count(*) filter (where pooled.activity_type = 'letterbox_in') as letterbox_exchanges_in,
        count(*) filter (where pooled.activity_type = 'letterbox_out') as letterbox_exchanges_out
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
        cast(aggregated.support_referrals as integer) as support_referrals,
        cast(aggregated.support_assessments as integer) as support_assessments,
        cast(aggregated.asf_applications as integer) as asf_applications,
        cast(coalesce(aggregated.asf_amount_applied_gbp, 0) as decimal(14, 2)) as asf_amount_applied_gbp,
        cast(aggregated.asf_applications_approved as integer) as asf_applications_approved,
        cast(coalesce(aggregated.asf_amount_approved_gbp, 0) as decimal(14, 2)) as asf_amount_approved_gbp,
        cast(aggregated.letterbox_exchanges as integer) as letterbox_exchanges,
        cast(aggregated.letterbox_exchanges_in as integer) as letterbox_exchanges_in,
        cast(aggregated.letterbox_exchanges_out as integer) as letterbox_exchanges_out,
        {{ partial_flags('last_day(aggregated.activity_month)', 'unit_as_of.data_as_of') }}
    from aggregated
    left join unit_as_of on aggregated.council_code = unit_as_of.council_code
)

select * from final
