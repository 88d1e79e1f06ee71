-- Sufficiency (domain A.3): children who moved in with their adopters in the financial
-- year, split by who approved the adopters: the partnership itself (in-region) or another
-- LA/RAA or a voluntary agency (interagency).
with journeys as (
    select * from {{ ref('fct_adoption_journeys') }}
),

reporting_units as (
    select * from {{ ref('int_reporting_units') }}
),

pooled as (
    select
        reporting_units.reporting_code as council_code,
        journeys.moved_in_financial_year as financial_year,
        journeys.adopter_agency_code,
        journeys.is_in_region,
        journeys.is_interagency
    from journeys
    inner join reporting_units
        on
            journeys.council_code = reporting_units.council_code
            and {{ counts_in_reporting_unit('reporting_units', 'journeys.moved_in_date') }}
    where journeys.moved_in_date is not null
),

aggregated as (
    select
        council_code,
        financial_year,
        count(*) as children_placed,
        count(*) filter (where is_in_region) as placed_in_region,
        count(*) filter (where is_interagency) as placed_interagency,
        count(*) filter (where adopter_agency_code = 'LA') as placed_interagency_la,
        count(*) filter (where adopter_agency_code = 'VAA') as placed_interagency_vaa,
        count(*) filter (where is_in_region is null) as placed_agency_unknown
    from pooled
    group by council_code, financial_year
),

final as (
    select
        council_code,
        financial_year,
        cast(children_placed as integer) as children_placed,
        cast(placed_in_region as integer) as placed_in_region,
        cast(placed_interagency as integer) as placed_interagency,
        cast(placed_interagency_la as integer) as placed_interagency_la,
        cast(placed_interagency_vaa as integer) as placed_interagency_vaa,
        cast(placed_agency_unknown as integer) as placed_agency_unknown,
        cast(placed_in_region / nullif(placed_in_region + placed_interagency, 0) as double) as in_region_share
    from aggregated
)

select * from final
