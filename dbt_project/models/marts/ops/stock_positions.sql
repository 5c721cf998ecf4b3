{{ config(schema='ops') }}

{#- Every Mirakl offer beside the ERP's available-to-sell, with what ranks its oversell risk:
    the units Mirakl may sell beyond what the ERP holds, and how fast the SKU sells (the
    planning tool's forecast when one is landed, else Mirakl order lines over the 28 days
    before as_of). Stock mismatches carry their rank, 1 to fix first. The evidence ops need
    to fix a stock drift. -#}

with

offers as (

    select * from {{ ref('stg_mirakl__offers') }}

),

available as (

    select * from {{ ref('int_items_available_to_sell') }}

),

sales as (

    select * from {{ ref('int_stock_velocity') }}

),

risk as (

    select * from {{ ref('int_stock_oversell_risk') }}

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
    coalesce(sales.units_sold_28d, 0) as units_sold_28d,
    coalesce(sales.sales_velocity_per_day, 0) as sales_velocity_per_day,
    case
        when sales.sales_velocity_per_day > 0
            then {{ units(
                'round(coalesce(available.expected_quantity, 0) / sales.sales_velocity_per_day, 1)'
            ) }}
    end as days_of_cover,
    coalesce(sales.velocity_source, 'mirakl_orders') as velocity_source,
    risk.oversell_risk_score,
    risk.oversell_risk_rank,
    available.on_hand as on_hand_stock_units,
    available.committed as committed_stock_units,
    available.units_per_stock_unit,
    available.safety_stock,
    available.counted_at as stock_counted_at,
    offers.price,
    offers.currency
from offers
left join available on available.shop_sku = offers.shop_sku
left join sales on sales.shop_sku = offers.shop_sku
left join risk on risk.offer_id = offers.offer_id
