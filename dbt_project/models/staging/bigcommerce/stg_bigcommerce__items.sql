{#- One item per variant. BigCommerce keeps safety stock per location, in the variant's stock
    unit: the item's safety stock is their sum, in sellable units. -#}

with

variants as (

    select * from {{ ref('base_bigcommerce__variants') }}

),

safety_stock as (

    select
        variant_id,
        sum(safety_stock) as safety_stock
    from {{ ref('base_bigcommerce__inventory_items') }}
    group by variant_id

),

joined as (

    select
        ---------- ids
        variants.sku,
        variants.shop_sku,

        ---------- strings
        case
            when variants.option_label is null then variants.product_name
            else variants.product_name || ' (' || variants.option_label || ')'
        end as description,
        variants.stock_uom,

        ---------- numerics
        variants.units_per_stock_unit,
        {{ units('coalesce(safety_stock.safety_stock, 0) * variants.units_per_stock_unit') }}
            as safety_stock,

        ---------- booleans
        variants.is_marketplace_listed

    from variants
    left join safety_stock on safety_stock.variant_id = variants.variant_id

)

select * from joined
