-- Key dates of each adoption journey (domain A.2): one row per child per adoption plan
-- (ADM decision), placed in the period of care that holds the decision. A period that ended
-- in adoption without any decision row still gets one journey (decision date unknown).
-- Placement and adoption dates belong to the period's latest plan only.
with periods as (
    select * from {{ ref('int_periods_of_care_built') }}
),

placements as (
    select * from {{ ref('int_adoption_placements_grouped') }}
),

decisions as (
    select * from {{ ref('stg_canonical__adoption_decisions') }}
),

matches as (
    select * from {{ ref('stg_canonical__adoption_matches') }}
),

decisions_in_periods as (
    select
        decisions.council_code,
        decisions.child_key,
        decisions.decision_date,
        decisions.decision_ceased_date,
        decisions.reason_ceased,
        decisions.is_reversed,
        decisions.age_at_decision_years,
        periods.period_key
    from decisions
    left join periods
        on
            decisions.council_code = periods.council_code
            and decisions.child_key = periods.child_key
            and decisions.decision_date >= periods.period_start_date
            and decisions.decision_date <= coalesce(periods.period_end_date, date '9999-12-31')
),

adopted_periods_without_decision as (
    select
        periods.council_code,
        periods.child_key,
        cast(null as date) as decision_date,
        cast(null as date) as decision_ceased_date,
        cast(null as varchar) as reason_ceased,
        false as is_reversed,
        cast(null as integer) as age_at_decision_years,
        periods.period_key
    from periods
    where
        periods.ended_in_adoption
        and not exists (
            select 1
            from decisions_in_periods
            where decisions_in_periods.period_key = periods.period_key
        )
),

plans as (
    select * from decisions_in_periods
    union all
    select * from adopted_periods_without_decision
),

plans_ranked as (
    select
        *,
        council_code || ':' || child_key || ':'
        || coalesce(cast(decision_date as varchar), 'no-decision') as journey_key,
        period_key is not null
        and row_number() over (
            partition by period_key order by decision_date desc nulls last
        ) = 1 as is_latest_plan_of_period
    from plans
),

match_candidates as (
    -- an AD1 row belongs to the latest plan decided on or before its DATE_INT (they
    -- should be equal, rule 523); with no decision row, to the plan of the period holding it
    select
        plans_ranked.journey_key,
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
),

latest_match as (
    select
        journey_key,
        count(*) as match_count,
        max(match_date) as match_date,
        arg_max_null(is_foster_carer_adoption, match_date) as is_foster_carer_adoption,
        arg_max_null(adopter_household_id, match_date) as adopter_household_id,
        arg_max_null(adopter_agency_code, match_date) as adopter_agency_code,
        arg_max_null(sibling_group_id, match_date) as sibling_group_id
    from match_candidates
    where plan_rank = 1
    group by journey_key
),

final_runs as (
    select * from placements
    where is_latest_run_of_period and not is_disrupted
),

final as (
    select
        plans_ranked.journey_key,
        plans_ranked.council_code,
        plans_ranked.child_key,
        plans_ranked.period_key,
        periods.period_number,
        plans_ranked.is_latest_plan_of_period,
        periods.period_start_date as entered_care_date,
        plans_ranked.decision_date,
        plans_ranked.decision_ceased_date,
        plans_ranked.reason_ceased,
        plans_ranked.is_reversed,
        plans_ranked.age_at_decision_years,
        periods.placement_order_date,
        latest_match.match_date,
        coalesce(latest_match.match_count, 0) as match_count,
        case when plans_ranked.is_latest_plan_of_period then final_runs.placement_start_date end as moved_in_date,
        case
            when plans_ranked.is_latest_plan_of_period and latest_match.is_foster_carer_adoption
                then final_runs.foster_carer_move_in_date
            when plans_ranked.is_latest_plan_of_period then final_runs.placement_start_date
        end as moved_in_for_a10_date,
        case
            when plans_ranked.is_latest_plan_of_period then periods.adoption_order_date
        end as adoption_order_date,
        coalesce(plans_ranked.is_latest_plan_of_period and periods.ended_in_adoption, false) as is_adopted,
        coalesce(latest_match.is_foster_carer_adoption, false) as is_foster_carer_adoption,
        latest_match.adopter_household_id,
        latest_match.adopter_agency_code,
        latest_match.sibling_group_id,
        coalesce(periods.has_disability_need, false) as has_disability_need,
        periods.period_end_date,
        periods.final_reason_ceased as period_final_reason_ceased
    from plans_ranked
    left join periods on plans_ranked.period_key = periods.period_key
    left join latest_match on plans_ranked.journey_key = latest_match.journey_key
    left join final_runs on plans_ranked.period_key = final_runs.period_key
)

select * from final
