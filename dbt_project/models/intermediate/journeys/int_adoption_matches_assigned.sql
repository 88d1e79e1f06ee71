-- Every AD1 match (domain A.5: every match counts, also one whose placement later disrupted),
-- assigned to the adoption plan it belongs to: the latest plan decided on or before its DATE_INT
-- (they should be equal, rule 523); with no decision row, the plan of the period holding it.
-- A DATE_INT earlier than every decision (a mistyped date, queried under rule 523) still counts:
-- the match goes to a plan of the period holding DATE_MATCH, the latest decided by then, else
-- the earliest decided after it.
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
        plans_ranked.decision_date as plan_decision_date,
        case
            when plans_ranked.decision_date <= coalesce(matches.decision_date, matches.match_date) then 1
            when not coalesce(
                matches.match_date >= periods.period_start_date
                and matches.match_date <= coalesce(periods.period_end_date, date '9999-12-31'), false
            ) then null
            when plans_ranked.decision_date is null then 1
            when plans_ranked.decision_date <= matches.match_date then 2
            else 3
        end as fit
    from matches
    inner join plans_ranked
        on
            matches.council_code = plans_ranked.council_code
            and matches.child_key = plans_ranked.child_key
    left join periods on plans_ranked.period_key = periods.period_key
),

best_plan_per_row as (
    -- one plan per AD1 row: the best fit; within fits 1 and 2 the latest plan decided by then
    -- (a plan without a decision last), within fit 3 (plans of the match's period decided only
    -- after it) the earliest
    select *
    from match_candidates
    where fit is not null
    qualify row_number() over (
        partition by council_code, child_key, match_decision_date, match_date
        order by
            fit asc,
            case when fit < 3 then plan_decision_date end desc nulls last,
            case when fit = 3 then plan_decision_date end asc nulls last,
            journey_key asc
    ) = 1
),

one_row_per_match as (
    select *
    from best_plan_per_row
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
