-- Every pool's contributions sum EXACTLY to its budget, in every year and under every version.
with contributions as (
    select * from {{ ref('int_funding_contributions') }}
)

select
    financial_year,
    formula_version,
    cost_pool,
    max(pool_budget_gbp) as pool_budget_gbp,
    sum(contribution_gbp) as contributions_gbp
from contributions
group by all
having sum(contribution_gbp) <> max(pool_budget_gbp)
