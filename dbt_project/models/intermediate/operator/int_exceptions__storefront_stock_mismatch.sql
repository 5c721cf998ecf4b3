{#- A storefront variant whose quantity is not what Mirakl says its offer has to sell: the
    quantity did not reach BigCommerce, or the offer was deactivated or deleted on Mirakl while
    the storefront still sells it. Showing more than Mirakl holds is the costly direction. -#}

with

compared as (

    select
        *,
        storefront_quantity - expected_storefront_quantity as quantity_difference
    from {{ ref('int_operator__storefront_offers') }}
    where has_variant

)

select
    'storefront_stock_mismatch' as exception_type,
    offer_key as entity_id,
    case
        when quantity_difference > 0 and expected_storefront_quantity = 0 then 'critical'
        when quantity_difference >= 5 then 'high'
        when quantity_difference > 0 then 'medium'
        else 'low'
    end as severity,
    cast(null as {{ recon_timestamp_tz() }}) as deadline_at,
    case when price is not null then {{ money('abs(quantity_difference) * price') }} end
        as amount_at_risk,
    case when price is not null then currency end as currency,
    {{ json_object({
        'offer_id': 'offer_id',
        'shop_id': 'shop_id',
        'shop_sku': 'shop_sku',
        'variant_sku': 'variant_sku',
        'mirakl_quantity': 'mirakl_quantity',
        'offer_active': 'is_active',
        'offer_deleted': 'is_deleted',
        'offer_exported': 'is_exported',
        'expected_storefront_quantity': 'expected_storefront_quantity',
        'storefront_quantity': 'storefront_quantity',
        'units_over_mirakl': 'quantity_difference',
    }) }} as details
from compared
where abs(quantity_difference) > {{ var('stock_tolerance_units') }}
