-- The date the warehouse's data stands at (domain A.5: a window ending after it is partial):
-- the earliest export date among the submissions in use, since every council's data is
-- complete up to that day. The var as_of_date overrides it (tests, re-runs of a past night);
-- with no submission loaded yet, the build date.
with current_submissions as (
    select * from {{ ref('stg_audit__current_submissions') }}
),

submissions as (
    select * from {{ ref('stg_audit__submissions') }}
),

in_use as (
    select min(submissions.reference_date) as earliest_reference_date
    from current_submissions
    inner join submissions
        on
            current_submissions.council_code = submissions.council_code
            and current_submissions.submission_id = submissions.submission_id
),

final as (
    select
        {%- set as_of = var('as_of_date', none) %}
        {%- if as_of %}
            cast('{{ as_of }}' as date) as as_of_date,
            'var as_of_date' as as_of_source
        {%- else %}
            coalesce(earliest_reference_date, current_date) as as_of_date,
            case
                when earliest_reference_date is null then 'build date (no submission loaded)'
                else 'earliest export date of the submissions in use'
            end as as_of_source
        {%- endif %}
    from in_use
)

select * from final
