with

source as (

    select * from {{ source('magento', 'shipments') }}

),

renamed as (

    select
        ---------- ids
        entity_id as shipment_entity_id,
        increment_id,
        order_id as order_entity_id,

        ---------- timestamps
        created_at

    from source

)

select * from renamed
