select * from {{ ref('legal_statuses') }}
