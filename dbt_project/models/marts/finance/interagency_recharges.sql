-- One row per child, council and fee type with an interagency placement (child placed with
-- adopters approved by another LA/RAA or a voluntary agency) or an interagency fee on the
-- ledger: the fee rate in force on the placement date (seed interagency_fee_rates; the London
-- rate for councils listed in var finance_london_councils), and the fees actually paid (SPEND)
-- and received (INCOME) on the ledger for that child. Borne by the child's council.
-- A fee uplifted each April (seed column uplifted_each_april: the VAA fee) whose rate in force
-- took effect in an earlier financial year than the placement's is priced at that rate and
-- flagged is_fee_rate_awaiting_uplift: the year's own rate is not in the seed (the latest year's
-- not entered yet, or a year between two recorded rates: domain A.4 gives April 2019's and April
-- 2025's VAA fee only), so the rate and paid_minus_rate_gbp are a stand-in.
{% set london_councils = var('finance_london_councils', []) %}
{% set london_list = "('" ~ (london_councils | join("', '")) ~ "')" %}

with journeys as (
    select * from {{ ref('fct_adoption_journeys') }}
),

agencies as (
    select * from {{ ref('dim_placing_agency') }}
),

ledger as (
    select * from {{ ref('fct_finance_ledger') }}
),

rates as (
    select * from {{ ref('interagency_fee_rates') }}
),

placements as (
    select
        journeys.council_code,
        journeys.child_key,
        agencies.interagency_fee_type as fee_type,
        min(journeys.adopter_agency_code) as adopter_agency_code,
        min(journeys.moved_in_date) as placement_date
    from journeys
    inner join agencies on journeys.adopter_agency_code = agencies.adopter_agency_code
    where agencies.is_interagency and journeys.moved_in_date is not null
    group by all
),

fees as (
    select
        council_code,
        child_key,
        fee_type,
        min(period_month) as first_fee_month,
        sum(case when entry_type = 'SPEND' then amount_gbp else 0 end) as fees_paid_gbp,
        sum(case when entry_type = 'INCOME' then amount_gbp else 0 end) as fees_received_gbp
    from ledger
    where cost_pool = 'interagency_fees' and child_key is not null and entry_type in ('SPEND', 'INCOME')
    group by all
),

joined as (
    select
        coalesce(placements.council_code, fees.council_code) as council_code,
        coalesce(placements.child_key, fees.child_key) as child_key,
        coalesce(placements.fee_type, fees.fee_type) as fee_type,
        placements.adopter_agency_code,
        placements.placement_date,
        fees.first_fee_month,
        coalesce(placements.placement_date, fees.first_fee_month) as rate_date,
        coalesce(fees.fees_paid_gbp, 0) as fees_paid_gbp,
        coalesce(fees.fees_received_gbp, 0) as fees_received_gbp,
        placements.child_key is not null as has_placement,
        fees.child_key is not null as has_ledger_fee
    from placements
    full outer join fees
        on
            placements.council_code = fees.council_code
            and placements.child_key = fees.child_key
            and placements.fee_type = fees.fee_type
),

flagged as (
    select
        *,
        {% if london_councils -%}
            coalesce(council_code in {{ london_list }}, false)
        {%- else -%}
            false
        {%- endif %} as is_london
    from joined
),

rates_ranged as (
    select
        fee_type,
        is_london,
        effective_from,
        lead(effective_from) over (partition by fee_type, is_london order by effective_from) as effective_until,
        fee_gbp,
        uplifted_each_april
    from rates
),

final as (
    select
        {{ fy_label('flagged.rate_date') }} as financial_year,
        flagged.council_code,
        flagged.child_key,
        flagged.fee_type,
        flagged.adopter_agency_code,
        flagged.placement_date,
        flagged.is_london,
        rates_ranged.effective_from as rate_effective_from,
        rates_ranged.fee_gbp as fee_rate_gbp,
        cast(flagged.fees_paid_gbp as decimal(14, 2)) as fees_paid_gbp,
        cast(flagged.fees_received_gbp as decimal(14, 2)) as fees_received_gbp,
        cast(flagged.fees_paid_gbp - flagged.fees_received_gbp as decimal(14, 2)) as net_fees_gbp,
        cast(flagged.fees_paid_gbp - rates_ranged.fee_gbp as decimal(14, 2)) as paid_minus_rate_gbp,
        flagged.has_placement,
        flagged.has_ledger_fee,
        -- the rate in force is uplifted each April and took effect in an earlier financial year
        -- than the one the rate is for: that year's own rate is not in the seed
        coalesce(
            rates_ranged.uplifted_each_april
            and {{ fy_start_year('flagged.rate_date') }} > {{ fy_start_year('rates_ranged.effective_from') }},
            false
        ) as is_fee_rate_awaiting_uplift
    from flagged
    left join rates_ranged
        on
            flagged.fee_type = rates_ranged.fee_type
            and flagged.is_london = rates_ranged.is_london
            and flagged.rate_date >= rates_ranged.effective_from
            and (rates_ranged.effective_until is null or flagged.rate_date < rates_ranged.effective_until)
)

select * from final
