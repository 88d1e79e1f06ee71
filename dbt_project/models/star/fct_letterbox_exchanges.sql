with exchanges as (
    select * from {{ ref('stg_canonical__letterbox_exchanges') }}
),

final as (
    select
        exchange_id,
        council_code,
        case_id,
        exchange_date,
        {{ fy_label('exchange_date') }} as financial_year,
        cast(date_trunc('month', exchange_date) as date) as exchange_month,
        exchange_direction
    from exchanges
)

select * from final
