with source as (
    select * from {{ source('canonical', 'children') }} {{ not_withheld() }}
),

renamed as (
    select
        council_code,
        child_key,
        sex as sex_code,
        case
            when sex in ('1', 'M') then 'M'
            when sex in ('2', 'F') then 'F'
            when sex = 'U' then 'U'
        end as sex,
        birth_month,
        ethnicity as ethnicity_code,
        case when disability = 'Y' then true when disability = 'N' then false end as has_disability_flag,
        submission_id
    from source
)

select * from renamed
