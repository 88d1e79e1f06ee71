-- Traceability: one row per event counted towards a council's share of a cost pool in a
-- financial year under a formula version (see the model description for the join).
with events as (
    select * from {{ ref('int_funding_driver_events') }}
),

final as (
    select
        financial_year,
        formula_version,
        cost_pool,
        council_code,
        driver,
        event_financial_year,
        event_date,
        child_key,
        household_id,
        case_id,
        entry_id,
        event_value
    from events
)

select * from final
