{{ config(meta={'dagster': {'ref': {'name': 'raa_monthly'}}}) }}
-- A unit's months add up to its quarter: the journey counts to raa_quarterly's, the adopter
-- enquiries and approvals to adopter_pipeline's. Each returned row is a quarter that does not.
with monthly as (
    select
        council_code,
        quarter_start,
        sum(adm_decisions) as adm_decisions,
        sum(placement_orders) as placement_orders,
        sum(matches) as matches,
        sum(children_placed) as children_placed,
        sum(adoption_orders) as adoption_orders,
        sum(decisions_reversed) as decisions_reversed,
        sum(disruptions) as disruptions,
        sum(adopter_enquiries) as adopter_enquiries,
        sum(adopter_approvals) as adopter_approvals
    from {{ ref('raa_monthly') }}
    group by council_code, quarter_start
),

quarterly as (
    select * from {{ ref('raa_quarterly') }}
),

adopters as (
    select * from {{ ref('adopter_pipeline') }}
)

select
    quarterly.council_code,
    quarterly.quarter_start,
    'journey events' as counted
from quarterly
left join monthly
    on quarterly.council_code = monthly.council_code and quarterly.quarter_start = monthly.quarter_start
where
    coalesce(monthly.adm_decisions, 0) <> quarterly.adm_decisions
    or coalesce(monthly.placement_orders, 0) <> quarterly.placement_orders
    or coalesce(monthly.matches, 0) <> quarterly.matches
    or coalesce(monthly.children_placed, 0) <> quarterly.children_placed
    or coalesce(monthly.adoption_orders, 0) <> quarterly.adoption_orders
    or coalesce(monthly.decisions_reversed, 0) <> quarterly.decisions_reversed
    or coalesce(monthly.disruptions, 0) <> quarterly.disruptions

union all

select
    adopters.council_code,
    adopters.quarter_start,
    'adopter events' as counted
from adopters
left join monthly
    on adopters.council_code = monthly.council_code and adopters.quarter_start = monthly.quarter_start
where
    coalesce(monthly.adopter_enquiries, 0) <> adopters.enquiries
    or coalesce(monthly.adopter_approvals, 0) <> adopters.approvals
