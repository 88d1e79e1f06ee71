{#- RAA16 over a set of journey events (int_journey_events, possibly pooled): the matches with a
    placement order, and their mean days order -> match. -#}
{% macro order_to_match_aggregates(events) -%}
    count({{ events }}.order_to_match_days) filter (where {{ events }}.event_type = 'match')
        as matched_with_order,
    avg({{ events }}.order_to_match_days) filter (where {{ events }}.event_type = 'match')
        as order_to_match_mean_days
{%- endmacro %}
