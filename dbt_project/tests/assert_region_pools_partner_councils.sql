{{ config(meta={'dagster': {'ref': {'name': 'scorecard_timeliness'}}}) }}
-- The partnership row pools its partner councils' children: its counts are the sums of the
-- councils' counts in every window (a pooled mean, not a mean of means, follows from this).
-- A council that joined late or left counts only for its days as a partner: a window it was a
-- partner for throughout counts it whole, a window it was never a partner in not at all, and a
-- window it joined or left during counts some of its children, between none and all.
with scorecard as (
    select * from {{ ref('scorecard_timeliness') }}
),

councils as (
    select * from {{ ref('dim_council') }}
),

council_windows as (
    select
        scorecard.*,
        case
            when
                (councils.partner_from is null or councils.partner_from <= scorecard.window_start)
                and (councils.partner_until is null or councils.partner_until >= scorecard.window_end)
                then 'whole'
            when
                scorecard.window_end < councils.partner_from
                or scorecard.window_start > councils.partner_until
                then 'none'
            else 'part'
        end as membership
    from scorecard
    inner join councils on scorecard.council_code = councils.council_code
    where councils.is_partner_council
),

partner_sums as (
    select
        window_start,
        window_years,
        count(*) filter (where membership = 'part') as councils_in_part,
        sum(children_adopted) filter (where membership = 'whole') as children_adopted,
        sum(children_adopted) filter (where membership <> 'none') as children_adopted_at_most,
        sum(a2_children) filter (where membership = 'whole') as a2_children,
        sum(a1_mean_days * a1_children) filter (where membership = 'whole') as a1_total_days
    from council_windows
    group by window_start, window_years
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
    (
        partner_sums.councils_in_part = 0
        and (
            region.children_adopted <> coalesce(partner_sums.children_adopted, 0)
            or region.a2_children <> coalesce(partner_sums.a2_children, 0)
            or abs(
                coalesce(region.a1_mean_days * region.a1_children, 0) - coalesce(partner_sums.a1_total_days, 0)
            ) > 1e-6
        )
    )
    or region.children_adopted < coalesce(partner_sums.children_adopted, 0)
    or region.children_adopted > coalesce(partner_sums.children_adopted_at_most, 0)
