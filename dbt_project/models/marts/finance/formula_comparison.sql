-- The same financial year apportioned under every formula version side by side: one row per
-- year, cost pool, partner council and version, with the version actually in force for the
-- year as the baseline and the change per council (this version minus the version in force).
with contributions as (
    select * from {{ ref('int_funding_contributions') }}
),

in_force as (
    select * from contributions
    where is_in_force
),

final as (
    select
        contributions.financial_year,
        contributions.cost_pool,
        contributions.split_method,
        contributions.council_code,
        contributions.formula_version,
        contributions.is_in_force,
        in_force.formula_version as in_force_version,
        contributions.weighted_share,
        in_force.weighted_share as in_force_weighted_share,
        contributions.weighted_share - in_force.weighted_share as share_change,
        contributions.pool_budget_gbp,
        contributions.contribution_gbp,
        in_force.contribution_gbp as in_force_contribution_gbp,
        cast(contributions.contribution_gbp - in_force.contribution_gbp as decimal(14, 2)) as contribution_change_gbp
    from contributions
    left join in_force
        on
            contributions.financial_year = in_force.financial_year
            and contributions.cost_pool = in_force.cost_pool
            and contributions.council_code = in_force.council_code
)

select * from final
