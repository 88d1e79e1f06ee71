-- Key dates of each adoption journey (domain A.2): one row per child per adoption plan
-- (int_adoption_plans_ranked), with its latest match. Placement and adoption dates belong to
-- the period's latest plan only.
with periods as (
    select * from {{ ref('int_periods_of_care_built') }}
),

placements as (
    select * from {{ ref('int_adoption_placements_grouped') }}
),

plans_ranked as (
    select * from {{ ref('int_adoption_plans_ranked') }}
),

matches as (
    select * from {{ ref('int_adoption_matches_assigned') }}
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
    from matches
    group by journey_key
),

agencies_by_provider as (
    select * from {{ ref('placing_agencies') }}
    where place_provider_code is not null
),

final_runs as (
    -- the final unbroken run (A.2): it holds the period's last episode; a run followed by
    -- another placement is over even when its last episode has no DEC (a real export's gap)
    select * from placements
    where is_final_run_of_period and not is_disrupted
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
        -- the match's approving agency; a 903 export has none, so the provider of the episode
        -- the child moved in with stands in for it (seed placing_agencies.place_provider_code)
        coalesce(
            latest_match.adopter_agency_code,
            case when plans_ranked.is_latest_plan_of_period then agencies_by_provider.adopter_agency_code end
        ) as adopter_agency_code,
        latest_match.sibling_group_id,
        coalesce(periods.has_disability_need, false) as has_disability_need,
        periods.period_end_date,
        periods.final_reason_ceased as period_final_reason_ceased
    from plans_ranked
    left join periods on plans_ranked.period_key = periods.period_key
    left join latest_match on plans_ranked.journey_key = latest_match.journey_key
    left join final_runs on plans_ranked.period_key = final_runs.period_key
    left join agencies_by_provider
        on final_runs.first_placement_provider_code = agencies_by_provider.place_provider_code
)

select * from final
