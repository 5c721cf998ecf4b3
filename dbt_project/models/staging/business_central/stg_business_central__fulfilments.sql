{#- Posted shipments with the carrier and tracking number of the extension's page (the
    standard page has neither). Without that page a shipment has no carrier or tracking and
    counts as shipped at the start of its posting date (UTC). -#}

with

shipments as (

    select * from {{ ref('base_business_central__sales_shipments') }}

),

trackings as (

    select * from {{ ref('base_business_central__shipment_trackings') }}

),

joined as (

    select
        ---------- ids
        shipments.fulfilment_id,
        shipments.erp_order_id,
        shipments.marketplace_order_id,
        trackings.tracking_number,

        ---------- strings
        trackings.erp_carrier,

        ---------- timestamps
        coalesce(trackings.shipped_at, shipments.posted_on_day_at) as shipped_at

    from shipments
    left join trackings on trackings.fulfilment_id = shipments.fulfilment_id

)

select * from joined
