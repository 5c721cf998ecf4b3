with

source as (

    select * from {{ source('netsuite', 'items') }}

),

renamed as (

    select
        ---------- ids
        sku,
        coalesce(mirakl_shop_sku, sku) as shop_sku,

        ---------- strings
        display_name as description,
        stock_unit as stock_uom,

        ---------- numerics
        cast(units_per_stock_unit as integer) as units_per_stock_unit,
        {{ units('safety_stock') }} as safety_stock,

        ---------- booleans
        is_marketplace_listed

    from source

)

select * from renamed
