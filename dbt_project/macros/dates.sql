{#- Financial year (1 April - 31 March) helpers. -#}
{% macro fy_start_year(date_expr) -%}
    (case when month({{ date_expr }}) >= 4 then year({{ date_expr }}) else year({{ date_expr }}) - 1 end)
{%- endmacro %}

{#- Label such as '2022-23' for the financial year holding the date. -#}
{% macro fy_label(date_expr) -%}
    (
        cast({{ fy_start_year(date_expr) }} as varchar)
        || '-'
        || lpad(cast(({{ fy_start_year(date_expr) }} + 1) % 100 as varchar), 2, '0')
    )
{%- endmacro %}

{#- First day of the financial quarter (Q1 = April-June) holding the date. -#}
{% macro fy_quarter_start(date_expr) -%}
    cast(date_trunc('quarter', {{ date_expr }}) as date)
{%- endmacro %}

{#- Whole days from start to end (end - start). -#}
{% macro days_between(start_expr, end_expr) -%}
    date_diff('day', {{ start_expr }}, {{ end_expr }})
{%- endmacro %}

{# A2 (domain A.1): placement order -> match in days; a match before the order counts 0; no
   order (consent route) or no match, no A2. #}
{% macro order_to_match_days(order_expr, match_expr) -%}
    case
        when {{ order_expr }} is not null and {{ match_expr }} is not null
            then greatest({{ days_between(order_expr, match_expr) }}, 0)
    end
{%- endmacro %}

{#- Last day (31 March) of the financial year labelled like '2022-23'. -#}
{% macro fy_end_of_label(label_expr) -%}
    make_date(cast(left({{ label_expr }}, 4) as integer) + 1, 3, 31)
{%- endmacro %}
