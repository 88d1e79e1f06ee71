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
        journeys.adoption_order_date,
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

years as (
    {{ financial_years_of_units('reporting_units', 'pooled', 'adoption_order_date') }}
),

aggregated as (
    select
        council_code,
        financial_year,
        count(*) as children_adopted,
        count(*) filter (where is_aged_5_plus) as aged_5_plus,
        count(sibling_group_placed_together) as sibling_group_recorded,
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

unit_as_of as (
    {{ data_as_of_of_units('reporting_units') }}
),

final as (
    select
        years.council_code,
        years.financial_year,
        cast(coalesce(aggregated.children_adopted, 0) as integer) as children_adopted,
        cast(coalesce(aggregated.aged_5_plus, 0) as integer) as aged_5_plus,
        cast(aggregated.aged_5_plus / aggregated.children_adopted as double) as aged_5_plus_share,
        cast(coalesce(aggregated.sibling_group_recorded, 0) as integer) as sibling_group_recorded,
        -- unknown (null), not 0, where no child's sibling group is recorded
        cast(
            case when aggregated.sibling_group_recorded > 0 then aggregated.sibling_group_placed_together end
            as integer
        ) as sibling_group_placed_together,
        cast(
            aggregated.sibling_group_placed_together / nullif(aggregated.sibling_group_recorded, 0) as double
        ) as sibling_group_placed_together_share,
        cast(coalesce(aggregated.ethnicity_other_than_wbri, 0) as integer) as ethnicity_other_than_wbri,
        cast(
            aggregated.ethnicity_other_than_wbri / aggregated.children_adopted as double
        ) as ethnicity_other_than_wbri_share,
        cast(coalesce(aggregated.ethnicity_unknown, 0) as integer) as ethnicity_unknown,
        cast(coalesce(aggregated.disabled, 0) as integer) as disabled,
        cast(aggregated.disabled / aggregated.children_adopted as double) as disabled_share,
        cast(coalesce(aggregated.any_priority, 0) as integer) as any_priority,
        cast(aggregated.any_priority / aggregated.children_adopted as double) as any_priority_share,
        {{ partial_flags(fy_end_of_label('years.financial_year'), 'unit_as_of.data_as_of') }}
    from years
    left join unit_as_of on years.council_code = unit_as_of.council_code
    left join aggregated
        on years.council_code = aggregated.council_code and years.financial_year = aggregated.financial_year
)

select * from final
