with source as (
    select * from {{ source('canonical', 'finance_ledger') }} {{ not_withheld() }}
),

renamed as (
    select
        council_code,
        entry_id,
        period_month,
        cost_pool,
        entry_type,
        cast(amount_gbp as decimal(14, 2)) as amount_gbp,
        child_key,
        fee_type,
        submission_id
    from source
)

select * from renamed
