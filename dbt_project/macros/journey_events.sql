{#- The journey events (int_journey_events, possibly pooled) of each kind, counted the same way
    wherever a period counts them: raa_monthly's months add up to raa_quarterly's quarters. -#}
{% macro journey_event_counts(events) -%}
    count(*) filter (where {{ events }}.event_type = 'adm_decision') as adm_decisions,
    count(*) filter (where {{ events }}.event_type = 'placement_order') as placement_orders,
    count(*) filter (where {{ events }}.event_type = 'match') as matches,
    count(*) filter (where {{ events }}.event_type = 'placed') as children_placed,
    count(*) filter (where {{ events }}.event_type = 'adoption_order') as adoption_orders,
    count(*) filter (where {{ events }}.event_type = 'reversal') as decisions_reversed,
    count(*) filter (where {{ events }}.event_type = 'disruption') as disruptions
{%- endmacro %}
