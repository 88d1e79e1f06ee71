with ledger as (
    select * from {{ ref('stg_canonical__finance_ledger') }}
),

final as (
    select
        entry_id,
        council_code,
        council_code is null as is_central,
        period_month,
        {{ fy_label('period_month') }} as financial_year,
        cost_pool,
        entry_type,
        amount_gbp,
        child_key,
        fee_type
    from ledger
)

select * from final
