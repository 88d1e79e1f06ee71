-- No council's share of a formula pool moves further than the version's transitional limit
-- from the share it bore the previous year, unless the pool's partners changed that year
-- (int_funding_shares: the formula then applies in full).
with shares as (
    select * from {{ ref('int_funding_shares') }}
)

select *
from shares
where
    transitional_limit is not null
    and previous_share is not null
    and not is_partnership_changed
    and abs(weighted_share - previous_share) > transitional_limit + 1e-9
