{#- An active offer mapped to an ERP item whose Mirakl quantity differs from the ERP's
    available-to-sell. Selling more than the ERP holds is the costly direction (oversell);
    the details carry the oversell-risk score and rank that order the fixes (fast sellers
    first, with the planning tool's forecast velocity when one is landed). -#}

with

offers as (

    select * from {{ ref('stg_mirakl__offers') }} where is_active

),

available as (

    select * from {{ ref('int_items_available_to_sell') }}

),

risk as (

    select * from {{ ref('int_stock_oversell_risk') }}

),

compared as (

    select
        offers.shop_sku,
        offers.offer_id,
        offers.quantity as mirakl_quantity,
        offers.price,
        offers.currency,
        available.sku,
        available.expected_quantity,
        available.on_hand,
        available.committed,
        available.units_per_stock_unit,
        available.safety_stock,
        offers.quantity - available.expected_quantity as quantity_difference,
        risk.sales_velocity_per_day,
        risk.velocity_source,
        risk.oversell_risk_score,
        risk.oversell_risk_rank
    from offers
    inner join available on available.shop_sku = offers.shop_sku
    left join risk on risk.offer_id = offers.offer_id

)

select
    'stock_mismatch' as exception_type,
    shop_sku as entity_id,
    case
        when quantity_difference > 0 and expected_quantity = 0 then 'critical'
        when quantity_difference >= 5 then 'high'
        when quantity_difference > 0 then 'medium'
        else 'low'
    end as severity,
    cast(null as {{ recon_timestamp_tz() }}) as deadline_at,
    {{ money('abs(quantity_difference) * price') }} as amount_at_risk,
    currency,
    {{ json_object({
        'sku': 'sku',
        'offer_id': 'offer_id',
        'mirakl_quantity': 'mirakl_quantity',
        'expected_quantity': 'expected_quantity',
        'on_hand_stock_units': 'on_hand',
        'committed_stock_units': 'committed',
        'units_per_stock_unit': 'units_per_stock_unit',
        'safety_stock': 'safety_stock',
        'units_over_erp': 'quantity_difference',
        'sales_velocity_per_day': 'sales_velocity_per_day',
        'velocity_source': 'velocity_source',
        'oversell_risk_score': 'oversell_risk_score',
        'oversell_risk_rank': 'oversell_risk_rank',
    }) }} as details
from compared
where abs(quantity_difference) > {{ var('stock_tolerance_units') }}
