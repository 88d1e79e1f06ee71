select * from {{ ref('placement_types') }}
