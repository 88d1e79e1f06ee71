{#- The adoption support counts and amounts of the int_support_activity rows `rel` (grouped by
    the caller): adoption_support by month, launch_comparison before and since the launch. -#}
{% macro support_activity_aggregates(rel) -%}
    count(*) filter (where {{ rel }}.activity_type = 'referral') as support_referrals,
    count(*) filter (where {{ rel }}.activity_type = 'assessment') as support_assessments,
    count(*) filter (where {{ rel }}.activity_type = 'asf_application') as asf_applications,
    sum({{ rel }}.amount_gbp) filter (where {{ rel }}.activity_type = 'asf_application') as asf_amount_applied_gbp,
    count(*) filter (where {{ rel }}.activity_type = 'asf_approval') as asf_applications_approved,
    sum({{ rel }}.amount_gbp) filter (where {{ rel }}.activity_type = 'asf_approval') as asf_amount_approved_gbp,
    count(*) filter (where {{ rel }}.activity_type like 'letterbox_%') as letterbox_exchanges,
    count(*) filter (where {{ rel }}.activity_type = 'letterbox_in') as letterbox_exchanges_in,
    count(*) filter (where {{ rel }}.activity_type = 'letterbox_out') as letterbox_exchanges_out
{%- endmacro %}

{#- The same columns as published: counts as integers, amounts as money (0 with none). -#}
{% macro support_activity_columns(rel) -%}
    cast({{ rel }}.support_referrals as integer) as support_referrals,
    cast({{ rel }}.support_assessments as integer) as support_assessments,
    cast({{ rel }}.asf_applications as integer) as asf_applications,
    cast(coalesce({{ rel }}.asf_amount_applied_gbp, 0) as decimal(14, 2)) as asf_amount_applied_gbp,
    cast({{ rel }}.asf_applications_approved as integer) as asf_applications_approved,
    cast(coalesce({{ rel }}.asf_amount_approved_gbp, 0) as decimal(14, 2)) as asf_amount_approved_gbp,
    cast({{ rel }}.letterbox_exchanges as integer) as letterbox_exchanges,
    cast({{ rel }}.letterbox_exchanges_in as integer) as letterbox_exchanges_in,
    cast({{ rel }}.letterbox_exchanges_out as integer) as letterbox_exchanges_out
{%- endmacro %}
