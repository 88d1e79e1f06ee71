with source as (
    select * from {{ source('canonical', 'episodes') }} {{ not_withheld() }}
),

renamed as (
    select
        council_code,
        child_key,
        decom as episode_start_date,
        dec as episode_end_date,
        rne as reason_new_episode,
        legal_status as legal_status_code,
        cin as category_of_need,
        place as placement_type_code,
        place_provider as placement_provider_code,
        rec as reason_episode_ceased,
        reason_place_change,
        home_postcode_district,
        placement_postcode_district,
        urn as provider_urn,
        place in ('A3', 'A4', 'A5', 'A6') as is_adoption_placement,
        legal_status in ('E1', 'D1') as is_placement_order,
        coalesce(rec in ('E11', 'E12'), false) as is_adopted_exit,
        submission_id
    from source
)

select * from renamed
