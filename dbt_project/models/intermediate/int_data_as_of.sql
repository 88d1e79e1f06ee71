-- The date the warehouse's data stands at (domain A.5: a window ending after it is partial):
-- the earliest export date among the submissions in use, since every council's data is
-- complete up to that day. A council that has left the partnership (registry `left` before the
-- build date) sends no more exports: its last one does not hold everyone's figures back. The
-- var as_of_date overrides it (tests, re-runs of a past night); with no submission loaded yet,
-- the build date.
with councils as (
    select * from {{ ref('stg_canonical__councils') }}
),

current_submissions as (
    select * from {{ ref('stg_audit__current_submissions') }}
),

submissions as (
    select * from {{ ref('stg_audit__submissions') }}
),

in_use as (
    select
        coalesce(
            min(submissions.reference_date)
            filter (where councils.partner_until is null or councils.partner_until >= current_date),
            min(submissions.reference_date)
        ) as earliest_reference_date
    from current_submissions
    inner join submissions
        on
            current_submissions.council_code = submissions.council_code
            and current_submissions.submission_id = submissions.submission_id
    left join councils on current_submissions.council_code = councils.council_code
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
