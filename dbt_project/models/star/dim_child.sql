-- One row per child (pseudonymised): characteristics and the child-level priority flags.
with children as (
    select * from {{ ref('stg_canonical__children') }}
),

periods as (
    select * from {{ ref('int_periods_of_care_built') }}
),

need as (
    select
        council_code,
        child_key,
        bool_or(has_disability_need) as has_cin_n2,
        count(*) as periods_of_care,
        min(period_start_date) as first_entered_care_date
    from periods
    group by council_code, child_key
),

final as (
    select
        children.council_code,
        children.child_key,
        children.council_code || ':' || children.child_key as child_id,
        children.sex,
        children.sex_code,
        children.birth_month,
        children.ethnicity_code,
        children.ethnicity_code = 'WBRI' as is_white_british,
        -- REFU (refused) and NOBT (not yet obtained) are unknown, not "other than WBRI" (A.5)
        coalesce(children.ethnicity_code not in ('WBRI', 'REFU', 'NOBT'), false) as is_ethnicity_other_than_wbri,
        coalesce(children.ethnicity_code in ('REFU', 'NOBT'), true) as is_ethnicity_unknown,
        coalesce(children.has_disability_flag, false) as has_disability_flag,
        coalesce(need.has_cin_n2, false) as has_cin_n2,
        coalesce(children.has_disability_flag, false) or coalesce(need.has_cin_n2, false) as is_disabled,
        cast(coalesce(need.periods_of_care, 0) as integer) as periods_of_care,
        need.first_entered_care_date
    from children
    left join need
        on
            children.council_code = need.council_code
            and children.child_key = need.child_key
)

select * from final
