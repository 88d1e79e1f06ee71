with source as (
    select * from {{ source('canonical', 'adoption_matches') }} {{ not_withheld() }}
),

renamed as (
    select
        council_code,
        child_key,
        decision_date,
        match_date,
        coalesce(foster_carer_adoption = '1', false) as is_foster_carer_adoption,
        cast(number_of_adopters as integer) as number_of_adopters,
        adopter_sex,
        adopter_legal_status,
        adopter_household_id,
        adopter_agency as adopter_agency_code,
        sibling_group_id,
        submission_id
    from source
    where match_date is not null
)

select * from renamed
