-- Every adoption support activity, one row per case, application or exchange and kind, dated by
-- its calendar month (the exports date them by month): referrals and assessments of support
-- cases, Adoption Support Fund applications (the amount applied for, by application month) and
-- approvals (the amount approved, by decision month), letterbox exchanges in and out.
with cases as (
    select * from {{ ref('fct_support_cases') }}
),

applications as (
    select * from {{ ref('fct_support_fund_applications') }}
),

exchanges as (
    select * from {{ ref('fct_letterbox_exchanges') }}
),

activity as (
    select
        council_code,
        'referral' as activity_type,
        case_id as source_id,
        referral_month as activity_month,
        cast(null as decimal(14, 2)) as amount_gbp
    from cases
    union all
    select
        council_code,
        'assessment' as activity_type,
        case_id as source_id,
        assessment_month as activity_month,
        null as amount_gbp
    from cases
    where assessment_month is not null
    union all
    select
        council_code,
        'asf_application' as activity_type,
        application_id as source_id,
        application_month as activity_month,
        amount_applied_gbp as amount_gbp
    from applications
    union all
    select
        council_code,
        'asf_approval' as activity_type,
        application_id as source_id,
        decision_month as activity_month,
        amount_approved_gbp as amount_gbp
    from applications
    where application_status = 'APPROVED' and decision_month is not null
    union all
    select
        council_code,
        'letterbox_' || lower(exchange_direction) as activity_type,
        exchange_id as source_id,
        exchange_month as activity_month,
        null as amount_gbp
    from exchanges
)

select * from activity
