{#- Available-to-sell per ERP item in sellable units, from the latest stock snapshot per
    location counted at or before as_of:
    max(0, floor(Σ (on_hand − committed) × units_per_stock_unit) − safety_stock). -#}

with

stock_counted as (

    select
        sku,
        location,
        on_hand,
        committed,
        counted_at,
        row_number() over (
            partition by sku, location order by counted_at desc
        ) as recency
    from {{ ref('int_erp__stock_levels') }}
    where counted_at <= {{ as_of() }}

),

latest_stock as (

    select
        sku,
        sum(on_hand) as on_hand,
        sum(committed) as committed,
        count(*) as location_count,
        max(counted_at) as counted_at
    from stock_counted
    where recency = 1
    group by sku

),

items as (

    select * from {{ ref('int_erp__items') }}

)

select
    items.sku,
    items.shop_sku,
    items.description,
    items.units_per_stock_unit,
    items.safety_stock,
    items.is_marketplace_listed,
    coalesce(latest_stock.on_hand, 0) as on_hand,
    coalesce(latest_stock.committed, 0) as committed,
    coalesce(latest_stock.location_count, 0) as location_count,
    latest_stock.counted_at,
    greatest(
        0,
        floor(
            coalesce(latest_stock.on_hand - latest_stock.committed, 0)
            * items.units_per_stock_unit
        ) - items.safety_stock
    ) as expected_quantity
from items
left join latest_stock on latest_stock.sku = items.sku
