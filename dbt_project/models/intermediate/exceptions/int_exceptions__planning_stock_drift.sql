{#- Stock the planning tool sees differs from the ERP's: its forecast, replenishment and
    purchase orders then plan on stock that is not there (or miss stock that is). Compared per
    SKU in sellable units, on the stock free to sell: the ERP's on_hand − committed from the
    latest snapshot per location at as_of, times units_per_stock_unit, against the planning
    tool's in_stock over its warehouses (Inventory Planner plans on its connected system's
    available stock, net of open orders). Available is the one figure every ERP states alike:
    a file export or NetSuite counts on-hand physically and commits open orders beside it,
    BigCommerce takes an order out of on-hand when it is placed (committed = backorders), and
    Magento keeps physical source quantities with reservations as committed; physical on-hand
    cannot be recovered from BigCommerce, available can from all of them.
    SKUs only one side knows, and removed planning variants, are not compared.
    Empty when no planning tool is landed (var planning_system). -#}

with

planning as (

    select * from {{ ref('int_planning__variants') }}

),

available as (

    select * from {{ ref('int_items_available_to_sell') }}

),

offers as (

    select * from {{ ref('stg_mirakl__offers') }} where is_active

),

compared as (

    select
        available.sku,
        available.shop_sku,
        planning.planning_system,
        (available.on_hand - available.committed) * available.units_per_stock_unit
            as erp_available_units,
        planning.in_stock_units as planning_in_stock_units,
        planning.in_stock_units
        - (available.on_hand - available.committed) * available.units_per_stock_unit
            as units_difference,
        available.on_hand as erp_on_hand_stock_units,
        available.committed as erp_committed_stock_units,
        available.units_per_stock_unit,
        available.counted_at as erp_counted_at,
        planning.synced_at as planning_synced_at,
        planning.warehouse_count as planning_warehouse_count
    from planning
    inner join available on available.sku = planning.sku

)

select
    'planning_stock_drift' as exception_type,
    compared.sku as entity_id,
    case
        {# The tool plans on stock that is not there: it orders too late. #}
        when compared.units_difference > 0 and compared.erp_available_units <= 0 then 'high'
        when compared.units_difference >= 5 then 'high'
        when compared.units_difference > 0 then 'medium'
        {# It misses stock that is there: it orders too much. #}
        when compared.units_difference <= -5 then 'medium'
        else 'low'
    end as severity,
    cast(null as {{ recon_timestamp_tz() }}) as deadline_at,
    {{ money('abs(compared.units_difference) * offers.price') }} as amount_at_risk,
    offers.currency,
    {{ json_object({
        'sku': 'compared.sku',
        'planning_system': 'compared.planning_system',
        'planning_in_stock_units': 'compared.planning_in_stock_units',
        'erp_available_units': 'compared.erp_available_units',
        'units_difference': 'compared.units_difference',
        'erp_on_hand_stock_units': 'compared.erp_on_hand_stock_units',
        'erp_committed_stock_units': 'compared.erp_committed_stock_units',
        'units_per_stock_unit': 'compared.units_per_stock_unit',
        'erp_counted_at': 'compared.erp_counted_at',
        'planning_synced_at': 'compared.planning_synced_at',
        'planning_warehouse_count': 'compared.planning_warehouse_count',
    }) }} as details
from compared
left join offers on offers.shop_sku = compared.shop_sku
where abs(compared.units_difference) > {{ var('stock_tolerance_units') }}
