{{ config(meta={'dagster': {'ref': {'name': 'interagency_recharges'}}}) }}
-- is_fee_rate_awaiting_uplift is true exactly when the rate applied (the seed row in force) is
-- uplifted each April and took effect in an earlier financial year than the row's: that year's
-- own rate is not in the seed. Every row is priced at the seed row it names.
with recharges as (
    select * from {{ ref('interagency_recharges') }}
),

rates as (
    select * from {{ ref('interagency_fee_rates') }}
)

select
    recharges.financial_year,
    recharges.council_code,
    recharges.child_key,
    recharges.fee_type,
    recharges.is_fee_rate_awaiting_uplift,
    recharges.rate_effective_from
from recharges
left join rates
    on
        recharges.fee_type = rates.fee_type
        and recharges.is_london = rates.is_london
        and recharges.rate_effective_from = rates.effective_from
where
    recharges.is_fee_rate_awaiting_uplift
    is distinct from coalesce(
        rates.uplifted_each_april and recharges.financial_year > {{ fy_label('rates.effective_from') }},
        false
    )
    or (recharges.rate_effective_from is not null and recharges.fee_rate_gbp is distinct from rates.fee_gbp)
