-- Priority ("harder to place") children among those adopted in the financial year, per
-- partner council and for the partnership (pooled): counts and shares by characteristic.
with journeys as (
    select * from {{ ref('fct_adoption_journeys') }}
),

reporting_units as (
    select * from {{ ref('int_reporting_units') }}
),

pooled as (
    select
        reporting_units.reporting_code as council_code,
        journeys.financial_year,
        coalesce(journeys.is_aged_5_plus_at_decision, false) as is_aged_5_plus,
        journeys.sibling_group_placed_together,
        journeys.is_ethnicity_other_than_wbri,
        journeys.is_ethnicity_unknown,
        journeys.is_disabled
    from journeys
    inner join reporting_units
        on
            journeys.council_code = reporting_units.council_code
            and {{ counts_in_reporting_unit('reporting_units', 'journeys.adoption_order_date') }}
    where journeys.is_adopted
),

aggregated as (
    select
        council_code,
        financial_year,
        count(*) as children_adopted,
        count(*) filter (where is_aged_5_plus) as aged_5_plus,
        count(*) filter (where sibling_group_placed_together) as sibling_group_placed_together,
        count(*) filter (where is_ethnicity_other_than_wbri) as ethnicity_other_than_wbri,
        count(*) filter (where is_ethnicity_unknown) as ethnicity_unknown,
        count(*) filter (where is_disabled) as disabled,
        count(*) filter (
            where is_aged_5_plus or sibling_group_placed_together or is_ethnicity_other_than_wbri or is_disabled
        ) as any_priority
    from pooled
    group by council_code, financial_year
),

final as (
    select
        council_code,
        financial_year,
        cast(children_adopted as integer) as children_adopted,
        cast(aged_5_plus as integer) as aged_5_plus,
        cast(aged_5_plus / children_adopted as double) as aged_5_plus_share,
        cast(sibling_group_placed_together as integer) as sibling_group_placed_together,
        cast(sibling_group_placed_together / children_adopted as double) as sibling_group_placed_together_share,
        cast(ethnicity_other_than_wbri as integer) as ethnicity_other_than_wbri,
        cast(ethnicity_other_than_wbri / children_adopted as double) as ethnicity_other_than_wbri_share,
        cast(ethnicity_unknown as integer) as ethnicity_unknown,
        cast(disabled as integer) as disabled,
        cast(disabled / children_adopted as double) as disabled_share,
        cast(any_priority as integer) as any_priority,
        cast(any_priority / children_adopted as double) as any_priority_share
    from aggregated
)

select * from final
