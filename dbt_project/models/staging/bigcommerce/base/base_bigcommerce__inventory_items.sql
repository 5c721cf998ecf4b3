with

source as (

    select * from {{ source('bigcommerce', 'inventory_items') }}

),

renamed as (

    select
        ---------- ids
        variant_id,
        location_id,
        sku,
        location_code,

        ---------- numerics
        {{ units('total_inventory_onhand') }} as onhand,
        {{ units('qty_backordered') }} as backordered,
        {{ units('available_to_sell') }} as available_to_sell,
        {{ units('safety_stock') }} as safety_stock,

        ---------- booleans
        location_enabled

    from source

)

select * from renamed
