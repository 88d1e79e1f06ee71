with cases as (
    select * from {{ ref('stg_canonical__support_cases') }}
),

final as (
    select
        case_id,
        council_code,
        child_key,
        case_type,
        referral_date,
        {{ fy_label('referral_date') }} as financial_year,
        cast(date_trunc('month', referral_date) as date) as referral_month,
        assessment_date,
        case when assessment_date is not null then {{ fy_label('assessment_date') }} end as assessment_financial_year,
        cast(date_trunc('month', assessment_date) as date) as assessment_month,
        closed_date,
        closed_date is null as is_open
    from cases
)

select * from final
