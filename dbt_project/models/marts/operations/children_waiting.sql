-- Children waiting for an adoptive placement on the data's as-of date (int_data_as_of; a
-- council that has left, on its last export's date, and no longer in REGION): an
-- ADM decision or a placement order made, still in care, not in an adoption placement, the
-- latest plan not ceased (reversed) and not adopted. Each waiting child of a
-- partner council also has a partnership (REGION) row. A match whose placement has since
-- disrupted is over: such a child shows no match date (domain A.5).
with periods as (
    select * from {{ ref('fct_periods_of_care') }}
),

decisions as (
    select * from {{ ref('fct_adoption_decisions') }}
),

placements as (
    select * from {{ ref('fct_adoption_placements') }}
),

matches as (
    select * from {{ ref('fct_adoption_matches') }}
),

children as (
    select * from {{ ref('dim_child') }}
),

reporting_units as (
    select * from {{ ref('int_reporting_units') }}
),

as_of as (
    select as_of_date from {{ ref('int_data_as_of') }}
),

latest_decisions as (
    select
        decisions.period_key,
        arg_max_null(decisions.decision_date, decisions.decision_date) as decision_date,
        arg_max_null(decisions.decision_ceased_date, decisions.decision_date) as decision_ceased_date,
        arg_max_null(decisions.age_at_decision, decisions.decision_date) as age_at_decision,
        arg_max_null(decisions.journey_key, decisions.decision_date) as journey_key
    from decisions
    cross join as_of
    where decisions.decision_date <= as_of.as_of_date
    group by decisions.period_key
),

periods_as_of as (
    -- a council that has left is measured at its last export (data_until), where its data ends
    select
        periods.*,
        least(as_of.as_of_date, own_unit.data_until) as as_of_date
    from periods
    cross join as_of
    left join reporting_units as own_unit
        on periods.council_code = own_unit.reporting_code and not own_unit.is_partnership_total
),

open_periods as (
    select * from periods_as_of
    where
        period_start_date <= as_of_date
        and (period_end_date is null or period_end_date > as_of_date)
),

candidates as (
    select
        open_periods.council_code,
        open_periods.child_key,
        open_periods.period_key,
        open_periods.as_of_date,
        open_periods.period_start_date as entered_care_date,
        latest_decisions.decision_date,
        case
            when open_periods.placement_order_date <= open_periods.as_of_date then open_periods.placement_order_date
        end as placement_order_date,
        (
            select max(matches.match_date)
            from matches
            where
                matches.journey_key = latest_decisions.journey_key
                and matches.match_date <= open_periods.as_of_date
        ) as latest_match_date,
        latest_decisions.age_at_decision,
        latest_decisions.decision_ceased_date
    from open_periods
    left join latest_decisions on open_periods.period_key = latest_decisions.period_key
),

waiting as (
    select
        candidates.*,
        case
            when not exists (
                select 1
                from placements
                where
                    placements.period_key = candidates.period_key
                    and placements.placement_start_date >= candidates.latest_match_date
                    and placements.placement_end_date <= candidates.as_of_date
            ) then candidates.latest_match_date
        end as match_date
    from candidates
    where
        (candidates.decision_date is not null or candidates.placement_order_date is not null)
        and (candidates.decision_ceased_date is null or candidates.decision_ceased_date > candidates.as_of_date)
        and not exists (
            select 1
            from placements
            where
                placements.period_key = candidates.period_key
                and placements.placement_start_date <= candidates.as_of_date
                and (placements.placement_end_date is null or placements.placement_end_date > candidates.as_of_date)
        )
),

child_rows as (
    select
        waiting.council_code,
        waiting.child_key,
        waiting.period_key,
        waiting.as_of_date,
        waiting.entered_care_date,
        waiting.decision_date,
        waiting.placement_order_date,
        waiting.match_date,
        case when waiting.placement_order_date is not null then 'placement_order' else 'adm_decision' end
            as waiting_stage,
        cast({{ days_between('waiting.entered_care_date', 'waiting.as_of_date') }} as integer)
            as days_since_entered_care,
        cast({{ days_between('waiting.decision_date', 'waiting.as_of_date') }} as integer) as days_since_decision,
        cast({{ days_between('waiting.placement_order_date', 'waiting.as_of_date') }} as integer)
            as days_since_placement_order,
        cast(waiting.age_at_decision as integer) as age_at_decision,
        coalesce(waiting.age_at_decision >= 5, false) as is_aged_5_plus_at_decision,
        coalesce(children.is_ethnicity_other_than_wbri, false) as is_ethnicity_other_than_wbri,
        coalesce(children.is_disabled, false) as is_disabled,
        children.ethnicity_code,
        children.sex
    from waiting
    left join children
        on
            waiting.council_code = children.council_code
            and waiting.child_key = children.child_key
),

final as (
    -- each partner council's row counts in its own unit and in REGION's; a council in no
    -- reporting unit (not a partner council) keeps its own row only
    select
        coalesce(reporting_units.reporting_code, child_rows.council_code) as council_code,
        case
            -- keep children of different councils apart
            when reporting_units.is_partnership_total then child_rows.council_code || ':' || child_rows.child_key
            else child_rows.child_key
        end as child_key,
        child_rows.* exclude (council_code, child_key)  -- noqa: RF02
    from child_rows
    cross join as_of
    left join reporting_units
        on
            child_rows.council_code = reporting_units.council_code
            -- REGION counts the councils that are partners on its as-of date
            and {{ counts_in_reporting_unit('reporting_units', 'as_of.as_of_date') }}
)

select * from final
