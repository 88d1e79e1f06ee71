{#- A council is withheld when its data breaks a dbt test (pipelines/operations/withhold.py): the
    build runs again with the var `withheld_councils` naming it, and every staging model of council
    data leaves its rows out (rows of no council, such as the partnership's pooled ledger lines,
    stay). With the var empty (every night but those) this renders nothing. -#}
{% macro not_withheld(column='council_code', keyword='where') -%}
    {%- set withheld = var('withheld_councils', []) -%}
    {%- if withheld is string -%}{%- set withheld = [withheld] -%}{%- endif -%}
    {%- if withheld | length > 0 -%}
        {{ keyword }} ({{ column }} is null or {{ column }} not in (
        {%- for code in withheld -%}
            '{{ code | replace("'", "''") }}'{{ ', ' if not loop.last }}
        {%- endfor -%}
        ))
    {%- endif -%}
{%- endmacro %}
