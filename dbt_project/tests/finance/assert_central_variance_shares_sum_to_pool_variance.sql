-- Each central (formula) pool's over/underspend is shared out exactly: the councils' shares
-- sum to the pool variance to the penny, every month.
with variance as (
    select * from {{ ref('budget_variance') }}
    where split_method = 'formula'
)

select
    financial_year,
    period_month,
    cost_pool,
    max(pool_variance_ytd_gbp) as pool_variance_ytd_gbp,
    sum(central_variance_share_gbp) as shared_gbp
from variance
group by all
having sum(central_variance_share_gbp) <> max(pool_variance_ytd_gbp)
