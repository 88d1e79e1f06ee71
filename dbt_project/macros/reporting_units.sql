{#- Whether a row of a partner council, about the day `on_date`, counts in the reporting unit
    `units` (an int_reporting_units row): always in the council's own; in the partnership's
    (REGION) only while the council was a partner on that day. A null bound is no bound. -#}
{% macro counts_in_reporting_unit(units, on_date) -%}
    (
        not {{ units }}.is_partnership_total
        or (
            ({{ units }}.partner_from is null or {{ on_date }} >= {{ units }}.partner_from)
            and ({{ units }}.partner_until is null or {{ on_date }} <= {{ units }}.partner_until)
        )
    )
{%- endmacro %}
