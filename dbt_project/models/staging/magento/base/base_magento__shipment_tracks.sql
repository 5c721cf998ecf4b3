with

source as (

    select * from {{ source_if_landed('magento', 'shipments__tracks', {
        'entity_id': 'bigint',
        'parent_id': 'bigint',
        'carrier_code': dbt.type_string(),
        'title': dbt.type_string(),
        'track_number': dbt.type_string(),
    }) }}

),

renamed as (

    select
        ---------- ids
        entity_id as track_entity_id,
        parent_id as shipment_entity_id,
        track_number,

        ---------- strings
        carrier_code,
        title,

        ---------- numerics
        {# A shipment can carry several tracks; the first one added comes first. #}
        row_number() over (
            partition by parent_id order by entity_id
        ) as track_position

    from source

)

select * from renamed
