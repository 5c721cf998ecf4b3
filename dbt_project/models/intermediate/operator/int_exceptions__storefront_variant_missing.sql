{#- An active offer with stock to sell that has no storefront variant: the marketplace cannot
    sell what the seller offers. -#}

select
    'storefront_variant_missing' as exception_type,
    offer_key as entity_id,
    'medium' as severity,
    cast(null as {{ recon_timestamp_tz() }}) as deadline_at,
    {{ money('mirakl_quantity * price') }} as amount_at_risk,
    currency,
    {{ json_object({
        'offer_id': 'offer_id',
        'shop_id': 'shop_id',
        'shop_sku': 'shop_sku',
        'product_sku': 'product_sku',
        'mirakl_quantity': 'mirakl_quantity',
        'expected_variant_sku': "'" ~ var('operator_variant_sku_prefix') ~ "' || offer_key",
    }) }} as details
from {{ ref('int_operator__storefront_offers') }}
where not has_variant and expected_storefront_quantity > 0
