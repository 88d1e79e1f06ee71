-- Formula and weighted shares of every pool, year and version sum to 1 (within float noise),
-- and no share is negative.
with shares as (
    select * from {{ ref('int_funding_shares') }}
)

select
    financial_year,
    formula_version,
    cost_pool,
    sum(formula_share) as formula_total,
    sum(weighted_share) as weighted_total,
    min(weighted_share) as smallest_share
from shares
group by all
having
    abs(sum(formula_share) - 1) > 1e-9
    or abs(sum(weighted_share) - 1) > 1e-9
    or min(weighted_share) < -1e-12
