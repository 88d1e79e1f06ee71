-- One row per financial year, cost pool and partner council under the formula version in
-- force on 1 April of that year: each driver's count and share, the weighted share and the
-- contribution, which sums to the pool budget to the penny.
with contributions as (
    select * from {{ ref('int_funding_contributions') }}
),

driver_shares as (
    select * from {{ ref('int_funding_driver_shares') }}
),

drivers_wide as (
    select
        financial_year,
        formula_version,
        cost_pool,
        council_code,
        max(case when driver = 'placement_orders' then event_count end) as placement_orders_count,
        max(case when driver = 'placement_orders' then driver_share end) as placement_orders_share,
        max(case when driver = 'adm_decisions' then event_count end) as adm_decisions_count,
        max(case when driver = 'adm_decisions' then driver_share end) as adm_decisions_share,
        max(case when driver = 'children_placed' then event_count end) as children_placed_count,
        max(case when driver = 'children_placed' then driver_share end) as children_placed_share,
        max(case when driver = 'support_cases' then event_count end) as support_cases_count,
        max(case when driver = 'support_cases' then driver_share end) as support_cases_share,
        max(case when driver = 'approvals' then event_count end) as approvals_count,
        max(case when driver = 'approvals' then driver_share end) as approvals_share,
        max(case when driver = 'fixed_base' then driver_share end) as base_share,
        max(case when driver in ('own_budget', 'child_fees') then driver_value end) as direct_amount_gbp
    from driver_shares
    group by all
),

final as (
    select
        contributions.financial_year,
        contributions.formula_version,
        contributions.cost_pool,
        contributions.split_method,
        contributions.council_code,
        cast(drivers_wide.placement_orders_count as integer) as placement_orders_count,
        drivers_wide.placement_orders_share,
        cast(drivers_wide.adm_decisions_count as integer) as adm_decisions_count,
        drivers_wide.adm_decisions_share,
        cast(drivers_wide.children_placed_count as integer) as children_placed_count,
        drivers_wide.children_placed_share,
        cast(drivers_wide.support_cases_count as integer) as support_cases_count,
        drivers_wide.support_cases_share,
        cast(drivers_wide.approvals_count as integer) as approvals_count,
        drivers_wide.approvals_share,
        drivers_wide.base_share,
        cast(drivers_wide.direct_amount_gbp as decimal(14, 2)) as direct_amount_gbp,
        contributions.formula_share,
        contributions.previous_share,
        contributions.transition_factor,
        contributions.is_transition_capped,
        contributions.is_partnership_changed,
        contributions.weighted_share,
        contributions.pool_budget_gbp,
        contributions.contribution_gbp,
        contributions.transitional_limit
    from contributions
    inner join drivers_wide
        on
            contributions.financial_year = drivers_wide.financial_year
            and contributions.formula_version = drivers_wide.formula_version
            and contributions.cost_pool = drivers_wide.cost_pool
            and contributions.council_code = drivers_wide.council_code
    where contributions.is_in_force
)

select * from final
