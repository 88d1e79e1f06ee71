{{ config(meta={'dagster': {'ref': {'name': 'scorecard_timeliness'}}}) }}
-- The partnership row pools its partner councils' children: its counts are the sums of the
-- councils' counts in every window (a pooled mean, not a mean of means, follows from this).
with scorecard as (
    select * from {{ ref('scorecard_timeliness') }}
),

councils as (
    select * from {{ ref('dim_council') }}
),

partner_sums as (
    select
        scorecard.window_start,
        scorecard.window_years,
        sum(scorecard.children_adopted) as children_adopted,
        sum(scorecard.a2_children) as a2_children,
        sum(scorecard.a1_mean_days * scorecard.a1_children) as a1_total_days
    from scorecard
    inner join councils on scorecard.council_code = councils.council_code
    where councils.is_partner_council
    group by scorecard.window_start, scorecard.window_years
),

region as (
    select scorecard.*
    from scorecard
    inner join councils on scorecard.council_code = councils.council_code
    where councils.is_partnership
)

select
    region.window_start,
    region.window_years
from region
inner join partner_sums
    on
        region.window_start = partner_sums.window_start
        and region.window_years = partner_sums.window_years
where
    region.children_adopted <> partner_sums.children_adopted
    or region.a2_children <> partner_sums.a2_children
    or abs(coalesce(region.a1_mean_days * region.a1_children, 0) - coalesce(partner_sums.a1_total_days, 0)) > 1e-6
