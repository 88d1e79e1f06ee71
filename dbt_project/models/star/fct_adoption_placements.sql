with placements as (
    select * from {{ ref('int_adoption_placements_grouped') }}
),

final as (
    select
        placement_key,
        council_code,
        child_key,
        period_key,
        period_number,
        adoption_run_number,
        placement_start_date,
        placement_end_date,
        {{ fy_label('placement_start_date') }} as placement_financial_year,
        first_placement_type_code,
        final_placement_type_code,
        foster_carer_move_in_date,
        is_final_run_of_period,
        ended_in_adoption,
        is_disrupted,
        disruption_date
    from placements
)

select * from final
