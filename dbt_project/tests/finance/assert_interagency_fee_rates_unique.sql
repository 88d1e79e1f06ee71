-- One fee rate per fee type, London flag and effective date.
with rates as (
    select * from {{ ref('interagency_fee_rates') }}
)

select
    fee_type,
    is_london,
    effective_from,
    count(*) as rates
from rates
group by all
having count(*) > 1
