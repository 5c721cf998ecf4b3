{{ config(schema='ops') }}

{#- Every Mirakl offer beside the ERP's available-to-sell, ranked by oversell risk: the units
    Mirakl may sell beyond what the ERP holds. The evidence ops need to fix a stock drift. -#}

with

offers as (

    select * from {{ ref('stg_mirakl__offers') }}

),

available as (

    select * from {{ ref('int_items_available_to_sell') }}

)

select
    offers.shop_sku,
    offers.offer_id,
    offers.product_title,
    offers.is_active,
    available.sku,
    available.sku is not null as is_mapped_to_erp,
    offers.quantity as mirakl_quantity,
    available.expected_quantity,
    offers.quantity - available.expected_quantity as units_over_erp,
    greatest(offers.quantity - coalesce(available.expected_quantity, 0), 0) as oversell_units,
    available.on_hand as on_hand_stock_units,
    available.committed as committed_stock_units,
    available.units_per_stock_unit,
    available.safety_stock,
    available.counted_at as stock_counted_at,
    offers.price,
    offers.currency
from offers
left join available on available.shop_sku = offers.shop_sku
