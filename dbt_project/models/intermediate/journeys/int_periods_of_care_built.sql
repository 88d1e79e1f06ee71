-- One row per period of care (domain A.1): first DECOM, final DEC/REC, and the first
-- placement order (LS E1, or legacy D1) in the period.
with episodes as (
    select * from {{ ref('int_episodes_sequenced') }}
),

aggregated as (
    select
        council_code,
        child_key,
        period_key,
        period_number,
        min(episode_start_date) as period_start_date,
        arg_max_null(episode_end_date, episode_in_period) as period_end_date,
        arg_max_null(reason_episode_ceased, episode_in_period) as final_reason_ceased,
        arg_max_null(placement_type_code, episode_in_period) as final_placement_type_code,
        min(episode_start_date) filter (where is_placement_order) as placement_order_date,
        count(*) as episode_count,
        max(episode_in_period) as last_episode_in_period,
        bool_or(category_of_need = 'N2') as has_disability_need
    from episodes
    group by council_code, child_key, period_key, period_number
),

final as (
    select
        council_code,
        child_key,
        period_key,
        period_number,
        period_start_date,
        period_end_date,
        final_reason_ceased,
        final_placement_type_code,
        placement_order_date,
        cast(episode_count as integer) as episode_count,
        cast(last_episode_in_period as integer) as last_episode_in_period,
        has_disability_need,
        period_end_date is null as is_open,
        -- an adoption with no DEC (kept, and queried to the council) has no date: the period
        -- is still open and no cohort can hold it
        coalesce(final_reason_ceased in ('E11', 'E12') and period_end_date is not null, false)
            as ended_in_adoption,
        case when final_reason_ceased in ('E11', 'E12') then period_end_date end as adoption_order_date
    from aggregated
)

select * from final
