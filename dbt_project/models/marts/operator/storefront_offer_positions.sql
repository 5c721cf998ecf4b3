{#- The marketplace team's view: every offer and marketplace variant with both quantities,
    and whether the storefront shows what Mirakl holds. -#}

{{ config(schema='operator') }}

select
    offer_key,
    offer_id,
    shop_id,
    shop_sku,
    product_sku,
    variant_id,
    variant_sku,
    is_active,
    is_deleted,
    is_exported,
    has_variant,
    mirakl_quantity,
    expected_storefront_quantity,
    storefront_quantity,
    storefront_available_to_sell,
    location_count,
    price,
    currency,
    has_variant and storefront_quantity = expected_storefront_quantity as is_in_sync
from {{ ref('int_operator__storefront_offers') }}
