{#- One row per shipment with its first track: Magento keeps the carrier and tracking number
    on tracks, and the marketplace order id on the order. -#}

with

shipments as (

    select * from {{ ref('base_magento__shipments') }}

),

tracks as (

    select * from {{ ref('base_magento__shipment_tracks') }}
    where track_position = 1

),

orders as (

    select * from {{ ref('base_magento__orders') }}

),

joined as (

    select
        ---------- ids
        shipments.increment_id as fulfilment_id,
        orders.increment_id as erp_order_id,
        orders.ext_order_id as marketplace_order_id,
        tracks.track_number as tracking_number,

        ---------- strings
        {# The track title is the carrier's name as the store shows it ('DPD France');
           offline carriers without one keep their code ('ups'). #}
        coalesce(tracks.title, tracks.carrier_code) as erp_carrier,

        ---------- timestamps
        shipments.created_at as shipped_at

    from shipments
    left join tracks on tracks.shipment_entity_id = shipments.shipment_entity_id
    left join orders on orders.order_entity_id = shipments.order_entity_id

)

select * from joined
