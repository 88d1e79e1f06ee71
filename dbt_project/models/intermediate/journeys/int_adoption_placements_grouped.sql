-- One row per unbroken run of adoption placements (PLACE A3-A6) within a period of care.
-- A run that closes other than by adoption is a disruption. The foster-carer move-in date
-- steps back from the run's first episode through episodes with RNE L/T/U (same carer) and
-- takes the DECOM of the earliest episode reached (domain A.2).
with episodes as (
    select * from {{ ref('int_episodes_sequenced') }}
),

periods as (
    select * from {{ ref('int_periods_of_care_built') }}
),

runs as (
    select
        council_code,
        child_key,
        period_key,
        period_number,
        adoption_run_number,
        min(episode_start_date) as placement_start_date,
        min(episode_in_period) as first_episode_in_period,
        max(episode_in_period) as last_episode_in_period,
        arg_max_null(episode_end_date, episode_in_period) as placement_end_date,
        arg_max_null(reason_episode_ceased, episode_in_period) as final_reason_ceased,
        arg_min_null(placement_type_code, episode_in_period) as first_placement_type_code,
        arg_min_null(placement_provider_code, episode_in_period) as first_placement_provider_code,
        arg_max_null(placement_type_code, episode_in_period) as final_placement_type_code
    from episodes
    where adoption_run_number is not null
    group by council_code, child_key, period_key, period_number, adoption_run_number
),

carer_starts as (
    -- the latest episode at or before each run's start that began with a change of carer
    select
        runs.period_key,
        runs.adoption_run_number,
        max(episodes.episode_start_date) as foster_carer_move_in_date
    from runs
    inner join episodes
        on
            runs.period_key = episodes.period_key
            and runs.first_episode_in_period >= episodes.episode_in_period
            and (
                episodes.reason_new_episode not in ('L', 'T', 'U')
                or episodes.reason_new_episode is null
                or episodes.episode_in_period = 1
            )
    group by runs.period_key, runs.adoption_run_number
),

final as (
    select
        runs.council_code,
        runs.child_key,
        runs.period_key,
        runs.period_number,
        cast(runs.adoption_run_number as integer) as adoption_run_number,
        runs.period_key || ':' || cast(runs.adoption_run_number as varchar) as placement_key,
        runs.placement_start_date,
        runs.placement_end_date,
        runs.first_placement_type_code,
        runs.first_placement_provider_code,
        runs.final_placement_type_code,
        coalesce(carer_starts.foster_carer_move_in_date, runs.placement_start_date) as foster_carer_move_in_date,
        runs.last_episode_in_period = periods.last_episode_in_period as is_final_run_of_period,
        coalesce(runs.final_reason_ceased in ('E11', 'E12'), false) as ended_in_adoption,
        runs.placement_end_date is not null
        and not coalesce(runs.final_reason_ceased in ('E11', 'E12'), false) as is_disrupted,
        case
            when
                runs.placement_end_date is not null
                and not coalesce(runs.final_reason_ceased in ('E11', 'E12'), false)
                then runs.placement_end_date
        end as disruption_date,
        row_number() over (
            partition by runs.period_key order by runs.adoption_run_number desc
        ) = 1 as is_latest_run_of_period
    from runs
    inner join periods on runs.period_key = periods.period_key
    left join carer_starts
        on
            runs.period_key = carer_starts.period_key
            and runs.adoption_run_number = carer_starts.adoption_run_number
)

select * from final
