{#- The planning tool's view per SKU: stock it counts, forecast velocity, replenishment.
    The canonical planning layer: built from the tool named by var('planning_system'), and
    empty (with the same columns) when no planning tool is landed, so every model downstream
    builds either way. Removed variants are left out; two live variants of one SKU (two
    connected stores) add up. -#}

{%- set planning_system = var('planning_system') -%}

{% if planning_system == 'inventory_planner' %}

with

variants as (

    select * from {{ ref('stg_inventory_planner__variants') }}
    where not is_removed

),

warehouses as (

    select
        variant_id,
        count(*) as warehouse_count
    from {{ ref('stg_inventory_planner__variant_warehouses') }}
    group by variant_id

)

select
    variants.sku,
    '{{ planning_system }}' as planning_system,
    count(*) as variant_count,
    sum(variants.in_stock_units) as in_stock_units,
    cast(sum(coalesce(warehouses.warehouse_count, 0)) as integer) as warehouse_count,
    cast(sum(variants.forecast_velocity_per_day) as decimal(18, 6)) as forecast_velocity_per_day,
    sum(variants.replenishment_units) as replenishment_units,
    sum(variants.on_order_units) as on_order_units,
    max(variants.lead_time_days) as lead_time_days,
    max(variants.updated_at) as synced_at
from variants
left join warehouses on warehouses.variant_id = variants.variant_id
group by variants.sku

{% else %}

select
    cast(null as varchar) as sku,
    cast(null as varchar) as planning_system,
    cast(null as bigint) as variant_count,
    {{ units('null') }} as in_stock_units,
    cast(null as integer) as warehouse_count,
    cast(null as decimal(18, 6)) as forecast_velocity_per_day,
    {{ units('null') }} as replenishment_units,
    {{ units('null') }} as on_order_units,
    cast(null as integer) as lead_time_days,
    cast(null as {{ recon_timestamp_tz() }}) as synced_at
where 1 = 0

{% endif %}
