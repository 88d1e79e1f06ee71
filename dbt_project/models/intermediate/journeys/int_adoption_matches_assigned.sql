-- Every AD1 match (domain A.5: every match counts, also one whose placement later disrupted),
-- assigned to the adoption plan it belongs to: the latest plan decided on or before its DATE_INT
-- (they should be equal, rule 523); with no decision row, the plan of the period holding it.
-- Two AD1 rows that land on the same plan with the same DATE_MATCH are one match sent twice (a
-- corrected DATE_INT on a new row, queried under rule 523): it counts once, as the row whose
-- DATE_INT is the plan's decision date.
with periods as (
    select * from {{ ref('int_periods_of_care_built') }}
),

plans_ranked as (
    select * from {{ ref('int_adoption_plans_ranked') }}
),

matches as (
    select * from {{ ref('stg_canonical__adoption_matches') }}
),

match_candidates as (
    -- an AD1 row belongs to the latest plan decided on or before its DATE_INT (they
    -- should be equal, rule 523); with no decision row, to the plan of the period holding it
    select
        plans_ranked.journey_key,
        plans_ranked.council_code,
        plans_ranked.child_key,
        plans_ranked.period_key,
        matches.match_date,
        matches.is_foster_carer_adoption,
        matches.adopter_household_id,
        matches.adopter_agency_code,
        matches.sibling_group_id,
        coalesce(matches.decision_date = plans_ranked.decision_date, false) as is_plans_own_row,
        matches.decision_date as match_decision_date,
        row_number() over (
            partition by matches.council_code, matches.child_key, matches.decision_date, matches.match_date
            order by plans_ranked.decision_date desc nulls last
        ) as plan_rank
    from matches
    inner join plans_ranked
        on
            matches.council_code = plans_ranked.council_code
            and matches.child_key = plans_ranked.child_key
    left join periods on plans_ranked.period_key = periods.period_key
    where
        plans_ranked.decision_date <= coalesce(matches.decision_date, matches.match_date)
        or (
            plans_ranked.decision_date is null
            and matches.match_date >= periods.period_start_date
            and matches.match_date <= coalesce(periods.period_end_date, date '9999-12-31')
        )
),

one_row_per_match as (
    select *
    from match_candidates
    where plan_rank = 1
    qualify row_number() over (
        partition by journey_key, match_date
        order by
            is_plans_own_row desc, match_decision_date desc nulls last, adopter_household_id asc,
            adopter_agency_code asc, is_foster_carer_adoption asc, sibling_group_id asc
    ) = 1
)

select
    journey_key,
    council_code,
    child_key,
    period_key,
    match_date,
    is_foster_carer_adoption,
    adopter_household_id,
    adopter_agency_code,
    sibling_group_id,
    row_number() over (partition by journey_key order by match_date desc) = 1 as is_latest_match_of_plan
from one_row_per_match
