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

{#- Every financial year from the first to the last day in `dated`.`date_column`, and on to the
    as-of date (a departed council's own unit: to its last export), for every reporting unit in
    `units`: so that a year with nothing in it is a row of zeros, as raa_quarterly's quarters are,
    not a missing row that an analyst's join turns into a null. -#}
{% macro financial_years_of_units(units, dated, date_column) -%}
    select distinct
        {{ units }}.reporting_code as council_code,
        dim_date.financial_year
    from {{ units }}
    cross join (
        select
            min({{ date_column }}) as first_date,
            max({{ date_column }}) as last_date
        from {{ dated }}
    ) as bounds
    cross join {{ ref('int_data_as_of') }} as as_of
    inner join {{ ref('dim_date') }} as dim_date
        on dim_date.date_day between bounds.first_date
        and least(greatest(bounds.last_date, as_of.as_of_date), {{ units }}.data_until)
{%- endmacro %}

{#- Each reporting unit in `units` (int_reporting_units) with the day its figures stand at: the
    data's as-of date, or a departed council's last export (data_until; REGION runs on). -#}
{% macro data_as_of_of_units(units) -%}
    select
        {{ units }}.reporting_code as council_code,
        min(least(as_of.as_of_date, {{ units }}.data_until)) as data_as_of
    from {{ units }}
    cross join {{ ref('int_data_as_of') }} as as_of
    group by {{ units }}.reporting_code
{%- endmacro %}

{#- Domain A.3 "Incomplete windows": a period ending after its unit's as-of date is partial, and
    says the day its counts stand at. -#}
{% macro partial_flags(period_end, data_as_of) -%}
    {{ period_end }} > {{ data_as_of }} as is_partial,
    case when {{ period_end }} > {{ data_as_of }} then {{ data_as_of }} end as partial_as_of
{%- endmacro %}
