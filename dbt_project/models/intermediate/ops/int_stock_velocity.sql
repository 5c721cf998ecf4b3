{#- How fast each shop SKU sells, from the best source landed: the planning tool's forecast
    velocity (every channel, stockouts and trend accounted for) when a planning tool is landed
    and knows the SKU, else the Mirakl order lines of the 28 days before as_of. -#}

with

mirakl_sales as (

    select * from {{ ref('int_offer_sales_velocity') }}

),

items as (

    select sku, shop_sku from {{ ref('int_erp__items') }}

),

planning as (

    select * from {{ ref('int_planning__variants') }}

),

shop_skus as (

    select shop_sku from mirakl_sales
    union
    select shop_sku from items

)

select
    shop_skus.shop_sku,
    items.sku,
    coalesce(mirakl_sales.units_sold_28d, 0) as units_sold_28d,
    coalesce(mirakl_sales.sales_velocity_per_day, 0) as mirakl_velocity_per_day,
    planning.forecast_velocity_per_day as planning_velocity_per_day,
    cast(
        coalesce(planning.forecast_velocity_per_day, mirakl_sales.sales_velocity_per_day, 0)
        as decimal(18, 6)
    ) as sales_velocity_per_day,
    case
        when planning.forecast_velocity_per_day is not null then planning.planning_system
        else 'mirakl_orders'
    end as velocity_source
from shop_skus
left join items on items.shop_sku = shop_skus.shop_sku
left join mirakl_sales on mirakl_sales.shop_sku = shop_skus.shop_sku
left join planning on planning.sku = items.sku
