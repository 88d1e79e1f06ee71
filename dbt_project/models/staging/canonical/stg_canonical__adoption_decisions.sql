with source as (
    select * from {{ source('canonical', 'adoption_decisions') }} {{ not_withheld() }}
),

renamed as (
    select
        council_code,
        child_key,
        decision_date,
        decision_ceased_date,
        reason_ceased,
        coalesce(reason_ceased in ('RD1', 'RD2', 'RD3', 'RD4'), false) as is_reversed,
        age_at_decision_years,
        submission_id
    from source
)

select * from renamed
