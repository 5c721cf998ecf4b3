{#- The item master from product custom attributes (codes configured in ingestion/magento). -#}

with

source as (

    select * from {{ source('magento', 'products') }}

),

renamed as (

    select
        ---------- ids
        sku,
        coalesce(mirakl_shop_sku, sku) as shop_sku,

        ---------- strings
        name as description,
        stock_uom,

        ---------- numerics
        cast(units_per_stock_unit as integer) as units_per_stock_unit,
        {{ units('safety_stock') }} as safety_stock,

        ---------- booleans
        is_marketplace_listed

    from source

)

select * from renamed
