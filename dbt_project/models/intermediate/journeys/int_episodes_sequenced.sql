-- Episodes in DECOM order per child, grouped into periods of care (domain A.1) and into
-- unbroken runs of adoption placements (A3-A6) within each period.
-- Every window is over the child's episodes in DECOM order (DECOM is unique per child): positions
-- within a period and runs within a period are worked out from running totals over the child
-- rather than by re-sorting per period.
with episodes as (
    select * from {{ ref('stg_canonical__episodes') }}
),

ordered as (
    select
        *,
        row_number() over child_window as episode_sequence,
        lag(episode_end_date) over child_window as previous_end_date,
        lag(reason_episode_ceased) over child_window as previous_reason_ceased,
        lag(is_adoption_placement) over child_window as previous_is_adoption_placement
    from episodes
    window child_window as (partition by council_code, child_key order by episode_start_date)
),

period_starts as (
    select
        *,
        -- Joins the previous episode when it starts the day the previous one ended
        -- (DECOM = previous DEC, or previous REC = X1); anything else starts a new period. A
        -- gap after the previous DEC starts a new period even after X1 (domain A.1): the dates
        -- say the child was out of care in between. A previous episode left open (no DEC) ran
        -- until this one started: nothing says the child left care (both queried at load).
        case
            when episode_sequence = 1 then 1
            when previous_end_date is null then 0
            when episode_start_date = previous_end_date then 0
            when previous_reason_ceased = 'X1' and previous_end_date > episode_start_date then 0
            else 1
        end as starts_period
    from ordered
),

run_starts as (
    select
        *,
        -- An adoption placement starts a run unless the episode before it, in the same period,
        -- was one too.
        case
            when
                is_adoption_placement
                and not (starts_period = 0 and coalesce(previous_is_adoption_placement, false))
                then 1
            else 0
        end as starts_adoption_run
    from period_starts
),

running as (
    select
        *,
        sum(starts_period) over child_so_far as period_number,
        max(case when starts_period = 1 then episode_sequence end) over child_so_far
            as period_first_sequence,
        sum(starts_adoption_run) over child_so_far as runs_so_far
    from run_starts
    window child_so_far as (
        partition by council_code, child_key
        order by episode_start_date
        rows between unbounded preceding and current row
    )
),

period_runs as (
    select
        *,
        -- Runs the child had before this period: the count as it stood at the period's start.
        max(case when starts_period = 1 then runs_so_far - starts_adoption_run end) over (
            partition by council_code, child_key
            order by episode_start_date
            rows between unbounded preceding and current row
        ) as runs_before_period
    from running
),

final as (
    select
        council_code,
        child_key,
        council_code || ':' || child_key || ':' || cast(period_number as varchar) as period_key,
        cast(period_number as integer) as period_number,
        cast(episode_sequence as integer) as episode_sequence,
        cast(episode_sequence - period_first_sequence + 1 as integer) as episode_in_period,
        episode_start_date,
        episode_end_date,
        reason_new_episode,
        legal_status_code,
        category_of_need,
        placement_type_code,
        placement_provider_code,
        reason_episode_ceased,
        is_adoption_placement,
        is_placement_order,
        is_adopted_exit,
        case
            when is_adoption_placement then cast(runs_so_far - runs_before_period as integer)
        end as adoption_run_number,
        starts_period = 1 as is_period_start
    from period_runs
)

select * from final
