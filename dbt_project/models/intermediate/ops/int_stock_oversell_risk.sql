{#- Every active Mirakl offer backed by an ERP item, scored by oversell risk: the units Mirakl
    lists beyond the ERP's available-to-sell, weighted by how fast the SKU sells
    (int_stock_velocity). Stock mismatches (quantities apart by more than the tolerance) are
    ranked 1, 2, 3... in the order ops should fix them: a fast seller over-listed by 3 units
    comes before a slow one over-listed by 10; offers listed below the ERP (no oversell) last. -#}

with

offers as (

    select * from {{ ref('stg_mirakl__offers') }} where is_active

),

available as (

    select * from {{ ref('int_items_available_to_sell') }}

),

velocity as (

    select * from {{ ref('int_stock_velocity') }}

),

positions as (

    select
        offers.offer_id,
        offers.shop_sku,
        available.sku,
        offers.quantity as mirakl_quantity,
        offers.price,
        offers.currency,
        available.expected_quantity,
        available.on_hand,
        available.committed,
        available.units_per_stock_unit,
        available.safety_stock,
        offers.quantity - available.expected_quantity as units_over_erp,
        greatest(offers.quantity - available.expected_quantity, 0) as oversell_units,
        coalesce(velocity.sales_velocity_per_day, 0) as sales_velocity_per_day,
        coalesce(velocity.velocity_source, 'mirakl_orders') as velocity_source,
        abs(offers.quantity - available.expected_quantity) > {{ var('stock_tolerance_units') }}
            as is_stock_mismatch
    from offers
    inner join available on available.shop_sku = offers.shop_sku
    left join velocity on velocity.shop_sku = offers.shop_sku

),

scored as (

    select
        *,
        cast(oversell_units * sales_velocity_per_day as decimal(18, 4)) as oversell_risk_score
    from positions

)

select
    *,
    case
        when is_stock_mismatch then row_number() over (
            partition by is_stock_mismatch
            order by
                oversell_risk_score desc,
                oversell_units desc,
                sales_velocity_per_day desc,
                abs(units_over_erp) desc,
                shop_sku
        )
    end as oversell_risk_rank
from scored
