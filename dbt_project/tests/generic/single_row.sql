{#- The grain of a one-row table (a setting or a date the build stands at): exactly one row. -#}
{% test single_row(model) %}
select count(*) as rows_in_table
from {{ model }}
having count(*) <> 1
{% endtest %}
