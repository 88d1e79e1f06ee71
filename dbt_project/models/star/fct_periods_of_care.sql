with periods as (
    select * from {{ ref('int_periods_of_care_built') }}
),

final as (
    select
        period_key,
        council_code,
        child_key,
        period_number,
        period_start_date,
        period_end_date,
        {{ fy_label('period_start_date') }} as start_financial_year,
        final_reason_ceased,
        final_placement_type_code,
        placement_order_date,
        adoption_order_date,
        case when adoption_order_date is not null then {{ fy_label('adoption_order_date') }} end
            as adoption_order_financial_year,
        episode_count,
        is_open,
        ended_in_adoption,
        has_disability_need
    from periods
)

select * from final
