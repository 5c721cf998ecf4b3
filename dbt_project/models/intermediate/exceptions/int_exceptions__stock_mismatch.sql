{#- An active offer mapped to an ERP item whose Mirakl quantity differs from the ERP's
    available-to-sell. Selling more than the ERP holds is the costly direction (oversell);
    the details carry the oversell-risk score and rank that order the fixes (fast sellers
    first, with the planning tool's forecast velocity when one is landed). -#}

with

mismatches as (

    select
        *,
        units_over_erp as quantity_difference
    from {{ ref('int_stock_oversell_risk') }}
    where is_stock_mismatch

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
from mismatches
