-- Every AD1 match (domain A.5: every match counts, also one whose placement later disrupted),
-- assigned to the adoption plan it belongs to: the latest plan decided on or before its DATE_INT
-- (they should be equal, rule 523); with no decision row, the plan of the period holding it.
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
from match_candidates
where plan_rank = 1
