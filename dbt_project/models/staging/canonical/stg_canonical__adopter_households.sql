with source as (
    select * from {{ source('canonical', 'adopter_households') }} {{ not_withheld() }}
),

renamed as (
    select
        council_code,
        household_id,
        cast(number_of_adopters as integer) as number_of_adopters,
        household_type as household_type_code,
        coalesce(early_permanence = 'Y', false) as is_early_permanence,
        submission_id
    from source
)

select * from renamed
