{#- BigCommerce shipments. The carrier as the merchant named it is the shipping method; a
    shipment without one falls back to the provider's display name, then the AfterShip slug. -#}

with

shipments as (

    select * from {{ source('bigcommerce', 'shipments') }}

),

orders as (

    select * from {{ ref('base_bigcommerce__orders') }}

),

joined as (

    select
        ---------- ids
        cast(shipments.id as varchar) as fulfilment_id,
        cast(shipments.order_id as varchar) as erp_order_id,
        orders.external_order_id as marketplace_order_id,
        nullif(shipments.tracking_number, '') as tracking_number,

        ---------- strings
        coalesce(
            nullif(shipments.shipping_method, ''),
            nullif(shipments.shipping_provider_display_name, ''),
            nullif(shipments.tracking_carrier, ''),
            nullif(shipments.shipping_provider, '')
        ) as erp_carrier,

        ---------- timestamps
        shipments.date_created as shipped_at

    from shipments
    left join orders on orders.order_id = shipments.order_id

)

select * from joined
