{%- set source_relation = source('canonical', 'adoption_decisions') -%}
{%- set source_columns = adapter.get_columns_in_relation(source_relation) | map(attribute='name') | map('lower') | list -%}

with source as (
    select * from {{ source_relation }}
),

renamed as (
    select
        council_code,
        child_key,
        decision_date,
        decision_ceased_date,
        reason_ceased,
        coalesce(reason_ceased in ('RD1', 'RD2', 'RD3', 'RD4'), false) as is_reversed,
        {% if 'age_at_decision_years' in source_columns -%}
            age_at_decision_years,
        {%- else -%}
            cast(null as integer) as age_at_decision_years,
        {%- endif %}
        submission_id
    from source
)

select * from renamed
