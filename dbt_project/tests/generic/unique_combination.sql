{#- The grain of a table: no two rows share the same values in `columns` (nulls compare equal,
    so a null in a key column cannot hide a duplicate). -#}
{% test unique_combination(model, columns) %}
select
    {{ columns | join(', ') }},
    count(*) as rows_with_this_key
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
