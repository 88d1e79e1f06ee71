-- Every month, the councils' budgets to date sum to the pool's to the penny, and for a central
-- (formula) pool so do their actuals (budget to date + their share of the variance).
with variance as (
    select * from {{ ref('budget_variance') }}
)

select
    financial_year,
    period_month,
    cost_pool,
    max(pool_budget_ytd_gbp) as pool_budget_ytd_gbp,
    sum(budget_ytd_gbp) as councils_budget_ytd_gbp,
    max(pool_actual_ytd_gbp) as pool_actual_ytd_gbp,
    sum(actual_ytd_gbp) as councils_actual_ytd_gbp
from variance
group by financial_year, period_month, cost_pool, split_method
having
    sum(budget_ytd_gbp) <> max(pool_budget_ytd_gbp)
    or (split_method = 'formula' and sum(actual_ytd_gbp) <> max(pool_actual_ytd_gbp))
