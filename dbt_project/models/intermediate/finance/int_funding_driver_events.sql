-- One row per event counted towards a council's share of a pool in a year under a version:
-- the traceability grain of the funding formula. Driver counts in int_funding_driver_shares
-- are sums of these rows and nothing else, so every contribution can be traced back to the
-- children (child_key), adopter households (household_id), support cases (case_id) and ledger
-- lines (entry_id) behind it. Only partner councils of the version are counted.
--
-- Counting window: for apportioned year Y (fy_start_year), a driver with window_years W under
-- a version with demand_lag_years L counts events whose financial year starts in
-- Y - L - (W - 1) .. Y - L (rolling_3yr pools three years, as the scorecard does).
-- Locally borne pools count the council's own BUDGET lines (driver own_budget) or, for a
-- child_council pool budgeted as one partnership line, the fees paid for the council's children
-- (child_fees): int_funding_pool_years local_driver says which.
with pool_years as (
    select * from {{ ref('int_funding_pool_years') }}
),

drivers as (
    select * from {{ ref('stg_funding_formula__formula_drivers') }}
),

partners as (
    select * from {{ ref('stg_funding_formula__formula_partners') }}
),

journey_events as (
    -- the same events raa_quarterly counts: every placement order, ADM decision and placement
    -- start (also one that later disrupted, domain A.5), so a driver and the quarterly figures agree
    select * from {{ ref('int_journey_events') }}
),

support_cases as (
    select * from {{ ref('fct_support_cases') }}
),

adopter_events as (
    select * from {{ ref('fct_adopter_events') }}
),

ledger as (
    select * from {{ ref('fct_finance_ledger') }}
),

placement_orders as (
    select
        council_code,
        child_key,
        event_date
    from journey_events
    where event_type = 'placement_order'
),

children_placed as (
    select
        council_code,
        child_key,
        event_date
    from journey_events
    where event_type = 'placed'
),

adm_decisions as (
    select
        council_code,
        child_key,
        event_date
    from journey_events
    where event_type = 'adm_decision'
),

demand_events as (
    select
        'placement_orders' as driver,
        council_code,
        event_date,
        child_key,
        cast(null as varchar) as household_id,
        cast(null as varchar) as case_id,
        cast(null as varchar) as entry_id,
        cast(null as varchar) as event_cost_pool,
        cast(1 as decimal(14, 2)) as event_value
    from placement_orders
    union all
    select
        'adm_decisions' as driver,
        council_code,
        event_date,
        child_key,
        null as household_id,
        null as case_id,
        null as entry_id,
        null as event_cost_pool,
        1 as event_value
    from adm_decisions
    union all
    select
        'children_placed' as driver,
        council_code,
        event_date,
        child_key,
        null as household_id,
        null as case_id,
        null as entry_id,
        null as event_cost_pool,
        1 as event_value
    from children_placed
    union all
    select
        'support_cases' as driver,
        council_code,
        referral_date as event_date,
        child_key,
        null as household_id,
        case_id,
        null as entry_id,
        null as event_cost_pool,
        1 as event_value
    from support_cases
    where referral_date is not null
    union all
    select
        'approvals' as driver,
        council_code,
        event_date,
        null as child_key,
        household_id,
        null as case_id,
        null as entry_id,
        null as event_cost_pool,
        1 as event_value
    from adopter_events
    where event_type = 'APPROVAL'
    union all
    select
        'own_budget' as driver,
        council_code,
        period_month as event_date,
        child_key,
        null as household_id,
        null as case_id,
        entry_id,
        cost_pool as event_cost_pool,
        amount_gbp as event_value
    from ledger
    where entry_type = 'BUDGET' and council_code is not null
    union all
    select
        'child_fees' as driver,
        council_code,
        period_month as event_date,
        child_key,
        null as household_id,
        null as case_id,
        entry_id,
        cost_pool as event_cost_pool,
        amount_gbp as event_value
    from ledger
    where entry_type = 'SPEND' and council_code is not null
),

pool_drivers as (
    select
        pool_years.financial_year,
        pool_years.fy_start_year,
        pool_years.formula_version,
        pool_years.cost_pool,
        drivers.driver,
        pool_years.fy_start_year - pool_years.demand_lag_years - (drivers.window_years - 1) as window_first_year,
        pool_years.fy_start_year - pool_years.demand_lag_years as window_last_year
    from pool_years
    inner join drivers on pool_years.formula_version = drivers.version_id
    where pool_years.split_method = 'formula' and drivers.window_years > 0
    union all
    select
        financial_year,
        fy_start_year,
        formula_version,
        cost_pool,
        local_driver as driver,
        fy_start_year as window_first_year,
        fy_start_year as window_last_year
    from pool_years
    where local_driver is not null
),

counted as (
    select
        pool_drivers.financial_year,
        pool_drivers.formula_version,
        pool_drivers.cost_pool,
        demand_events.council_code,
        pool_drivers.driver,
        {{ fy_label('demand_events.event_date') }} as event_financial_year,
        demand_events.event_date,
        demand_events.child_key,
        demand_events.household_id,
        demand_events.case_id,
        demand_events.entry_id,
        cast(demand_events.event_value as decimal(14, 2)) as event_value
    from pool_drivers
    inner join demand_events
        on
            pool_drivers.driver = demand_events.driver
            and (demand_events.event_cost_pool is null or pool_drivers.cost_pool = demand_events.event_cost_pool)
            and {{ fy_start_year('demand_events.event_date') }}
            between pool_drivers.window_first_year and pool_drivers.window_last_year
    inner join partners
        on
            pool_drivers.formula_version = partners.version_id
            and demand_events.council_code = partners.council_code
)

select * from counted
