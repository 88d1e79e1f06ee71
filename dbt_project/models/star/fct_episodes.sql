-- A view: the same rows as int_episodes_sequenced (built in the same run) with the financial
-- year added. Nothing in the project reads it, so writing a second 1.9M-row copy each night
-- (~3 s at national scale) bought nothing.
{{ config(materialized='view') }}

with episodes as (
    select * from {{ ref('int_episodes_sequenced') }}
),

final as (
    select
        council_code,
        child_key,
        period_key,
        period_number,
        episode_sequence,
        episode_in_period,
        episode_start_date,
        episode_end_date,
        {{ fy_label('episode_start_date') }} as start_financial_year,
        reason_new_episode,
        legal_status_code,
        category_of_need,
        placement_type_code,
        placement_provider_code,
        reason_episode_ceased,
        is_adoption_placement,
        is_placement_order,
        is_adopted_exit,
        adoption_run_number,
        is_period_start
    from episodes
)

select * from final
