{{ config(meta={'dagster': {'ref': {'name': 'interagency_recharges'}}}) }}
-- is_fee_rate_awaiting_uplift is true exactly when the latest rate recorded for the fee type and
-- London flag is uplifted each April and took effect in an earlier financial year than the row's;
-- a flagged row is priced at that latest rate.
with recharges as (
    select * from {{ ref('interagency_recharges') }}
),

rates as (
    select * from {{ ref('interagency_fee_rates') }}
),

latest as (
    select
        fee_type,
        is_london,
        effective_from,
        fee_gbp,
        uplifted_each_april
    from rates
    qualify row_number() over (partition by fee_type, is_london order by effective_from desc) = 1
)

select
    recharges.financial_year,
    recharges.council_code,
    recharges.child_key,
    recharges.fee_type,
    recharges.is_fee_rate_awaiting_uplift,
    latest.effective_from as latest_effective_from
from recharges
left join latest on recharges.fee_type = latest.fee_type and recharges.is_london = latest.is_london
where
    recharges.is_fee_rate_awaiting_uplift
    is distinct from coalesce(
        latest.uplifted_each_april and recharges.financial_year > {{ fy_label('latest.effective_from') }},
        false
    )
    or (
        recharges.is_fee_rate_awaiting_uplift
        and (
            recharges.rate_effective_from is distinct from latest.effective_from
            or recharges.fee_rate_gbp is distinct from latest.fee_gbp
        )
    )
