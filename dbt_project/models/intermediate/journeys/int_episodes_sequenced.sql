-- Episodes in DECOM order per child, grouped into periods of care (domain A.1) and into
-- unbroken runs of adoption placements (A3-A6) within each period.
with episodes as (
    select * from {{ ref('stg_canonical__episodes') }}
),

ordered as (
    select
        *,
        lag(episode_end_date) over child_window as previous_end_date,
        lag(reason_episode_ceased) over child_window as previous_reason_ceased,
        row_number() over child_window as episode_sequence
    from episodes
    window child_window as (partition by council_code, child_key order by episode_start_date)
),

period_starts as (
    select
        *,
        -- Joins the previous episode when it starts the day the previous one ended
        -- (DECOM = previous DEC, or previous REC = X1); anything else starts a new period.
        case
            when episode_sequence = 1 then 1
            when episode_start_date = previous_end_date then 0
            when previous_reason_ceased = 'X1' then 0
            else 1
        end as starts_period
    from ordered
),

periods as (
    select
        *,
        sum(starts_period) over (
            partition by council_code, child_key
            order by episode_start_date
            rows between unbounded preceding and current row
        ) as period_number
    from period_starts
),

in_period as (
    select
        *,
        row_number() over period_window as episode_in_period,
        lag(is_adoption_placement) over period_window as previous_is_adoption_placement
    from periods
    window period_window as (partition by council_code, child_key, period_number order by episode_start_date)
),

run_starts as (
    select
        *,
        case
            when is_adoption_placement and not coalesce(previous_is_adoption_placement, false) then 1
            else 0
        end as starts_adoption_run
    from in_period
),

runs as (
    select
        *,
        sum(starts_adoption_run) over (
            partition by council_code, child_key, period_number
            order by episode_start_date
            rows between unbounded preceding and current row
        ) as run_counter
    from run_starts
),

final as (
    select
        council_code,
        child_key,
        council_code || ':' || child_key || ':' || cast(period_number as varchar) as period_key,
        cast(period_number as integer) as period_number,
        cast(episode_sequence as integer) as episode_sequence,
        cast(episode_in_period as integer) as episode_in_period,
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
            when is_adoption_placement then cast(run_counter as integer)
        end as adoption_run_number,
        starts_period = 1 as is_period_start
    from runs
)

select * from final
