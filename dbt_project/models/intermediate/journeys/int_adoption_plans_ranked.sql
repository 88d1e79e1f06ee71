-- Every adoption plan (ADM decision) of a child, placed in the period of care that holds the
-- decision; a period that ended in adoption, or holds an AD1 match, without any decision row
-- still gets one plan (decision date unknown): every match counts (A.5), also one whose
-- PlacedAdoption row was held back. is_latest_plan_of_period marks the plan placements and adoption
-- orders belong to. A decision that falls in two periods (one ends on the day the next starts,
-- or an episode with no end left a period open) belongs to the later-starting one, so each
-- decision is one plan.
with periods as (
    select * from {{ ref('int_periods_of_care_built') }}
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
        periods.period_key,
        periods.period_number
    from decisions
    left join periods
        on
            decisions.council_code = periods.council_code
            and decisions.child_key = periods.child_key
            and decisions.decision_date >= periods.period_start_date
            and decisions.decision_date <= coalesce(periods.period_end_date, date '9999-12-31')
    qualify row_number() over (
        partition by decisions.council_code, decisions.child_key, decisions.decision_date
        order by periods.period_start_date desc nulls last
    ) = 1
),

periods_without_decision as (
    select
        periods.council_code,
        periods.child_key,
        cast(null as date) as decision_date,
        cast(null as date) as decision_ceased_date,
        cast(null as varchar) as reason_ceased,
        false as is_reversed,
        cast(null as integer) as age_at_decision_years,
        periods.period_key,
        periods.period_number
    from periods
    where
        (
            periods.ended_in_adoption
            or exists (
                select 1
                from matches
                where
                    matches.council_code = periods.council_code
                    and matches.child_key = periods.child_key
                    and matches.match_date >= periods.period_start_date
                    and matches.match_date <= coalesce(periods.period_end_date, date '9999-12-31')
            )
        )
        and not exists (
            select 1
            from decisions_in_periods
            where decisions_in_periods.period_key = periods.period_key
        )
),

plans as (
    select * from decisions_in_periods
    union all
    select * from periods_without_decision
),

plans_ranked as (
    select
        *,
        -- a child adopted twice with no decision rows has one such plan per adopted period
        council_code || ':' || child_key || ':'
        || coalesce(cast(decision_date as varchar), 'no-decision-' || period_number) as journey_key,
        period_key is not null
        and row_number() over (
            partition by period_key order by decision_date desc nulls last
        ) = 1 as is_latest_plan_of_period
    from plans
)

select * from plans_ranked
