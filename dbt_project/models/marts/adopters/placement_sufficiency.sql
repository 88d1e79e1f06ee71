-- Sufficiency (domain A.3): children who moved in with their adopters in the financial
-- year, split by who approved the adopters: the partnership itself (in-region) or another
-- LA/RAA or a voluntary agency (interagency). Every start of an adoption placement counts in
-- its year, also one that later disrupted (A.5), as raa_quarterly.children_placed counts
-- them: a year's figures never fall because one of its placements disrupted later.
with placements as (
    select * from {{ ref('fct_adoption_placements') }}
),

matches as (
    select * from {{ ref('fct_adoption_matches') }}
),

episodes as (
    select * from {{ ref('fct_episodes') }}
),

agencies as (
    select * from {{ ref('dim_placing_agency') }}
),

reporting_units as (
    select * from {{ ref('int_reporting_units') }}
),

-- the match each placement followed: the period's latest match on or before the move-in
-- (else its latest match, as the journey keeps it)
placement_matches as (
    select
        placements.placement_key,
        matches.adopter_agency_code,
        row_number() over (
            partition by placements.placement_key
            order by matches.match_date <= placements.placement_start_date desc, matches.match_date desc
        ) as match_rank
    from placements
    inner join matches on placements.period_key = matches.period_key
),

placed as (
    select
        placements.council_code,
        placements.placement_start_date,
        placements.placement_financial_year,
        -- the match's approving agency; a 903 export has none, so the provider of the episode
        -- the child moved in with stands in for it (seed placing_agencies.place_provider_code)
        coalesce(placement_matches.adopter_agency_code, agencies_by_provider.adopter_agency_code)
            as adopter_agency_code
    from placements
    left join placement_matches
        on
            placements.placement_key = placement_matches.placement_key
            and placement_matches.match_rank = 1
    left join episodes
        on
            placements.period_key = episodes.period_key
            and placements.placement_start_date = episodes.episode_start_date
    left join agencies as agencies_by_provider
        on episodes.placement_provider_code = agencies_by_provider.place_provider_code
),

pooled as (
    select
        reporting_units.reporting_code as council_code,
        placed.placement_financial_year as financial_year,
        placed.placement_start_date,
        placed.adopter_agency_code,
        agencies.is_in_region,
        agencies.is_interagency
    from placed
    left join agencies on placed.adopter_agency_code = agencies.adopter_agency_code
    inner join reporting_units
        on
            placed.council_code = reporting_units.council_code
            and {{ counts_in_reporting_unit('reporting_units', 'placed.placement_start_date') }}
),

years as (
    {{ financial_years_of_units('reporting_units', 'pooled', 'placement_start_date') }}
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

unit_as_of as (
    {{ data_as_of_of_units('reporting_units') }}
),

final as (
    select
        years.council_code,
        years.financial_year,
        cast(coalesce(aggregated.children_placed, 0) as integer) as children_placed,
        cast(coalesce(aggregated.placed_in_region, 0) as integer) as placed_in_region,
        cast(coalesce(aggregated.placed_interagency, 0) as integer) as placed_interagency,
        cast(coalesce(aggregated.placed_interagency_la, 0) as integer) as placed_interagency_la,
        cast(coalesce(aggregated.placed_interagency_vaa, 0) as integer) as placed_interagency_vaa,
        cast(coalesce(aggregated.placed_agency_unknown, 0) as integer) as placed_agency_unknown,
        cast(
            aggregated.placed_in_region / nullif(aggregated.placed_in_region + aggregated.placed_interagency, 0)
            as double
        ) as in_region_share,
        {{ partial_flags(fy_end_of_label('years.financial_year'), 'unit_as_of.data_as_of') }}
    from years
    left join unit_as_of on years.council_code = unit_as_of.council_code
    left join aggregated
        on years.council_code = aggregated.council_code and years.financial_year = aggregated.financial_year
)

select * from final
