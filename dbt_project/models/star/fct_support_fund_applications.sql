with applications as (
    select * from {{ ref('stg_canonical__support_fund_applications') }}
),

final as (
    select
        application_id,
        council_code,
        case_id,
        application_date,
        {{ fy_label('application_date') }} as financial_year,
        cast(date_trunc('month', application_date) as date) as application_month,
        amount_applied_gbp,
        decision_date,
        cast(date_trunc('month', decision_date) as date) as decision_month,
        case when application_status = 'APPROVED' then coalesce(amount_approved_gbp, 0) end as amount_approved_gbp,
        application_status
    from applications
)

select * from final
