{#- Items with the marketplace fields of the extension's page; an item the page does not
    cover keeps the file contract's defaults (one unit per stock unit, no safety stock, not
    listed, its own number as shop SKU). -#}

with

items as (

    select * from {{ ref('base_business_central__items') }}

),

marketplace_items as (

    select * from {{ ref('base_business_central__marketplace_items') }}

),

joined as (

    select
        ---------- ids
        items.sku,
        coalesce(marketplace_items.mirakl_shop_sku, items.sku) as shop_sku,

        ---------- strings
        items.description,
        items.stock_uom,

        ---------- numerics
        coalesce(marketplace_items.units_per_stock_unit, 1) as units_per_stock_unit,
        coalesce(marketplace_items.safety_stock, {{ units('0') }}) as safety_stock,

        ---------- booleans
        coalesce(marketplace_items.is_marketplace_listed, false) as is_marketplace_listed

    from items
    left join marketplace_items on marketplace_items.sku = items.sku

)

select * from joined
