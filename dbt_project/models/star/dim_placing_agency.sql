select * from {{ ref('placing_agencies') }}
