{#- Each Mirakl offer beside the storefront variant its quantity is copied to, and each
    marketplace variant whose offer Mirakl no longer exports. A variant belongs to an offer
    when its SKU is var('operator_variant_sku_prefix') followed by the offer's key
    (var('operator_variant_key'): offer_id or shop_sku). What the storefront should show is the
    offer's quantity while it is active and not deleted, else nothing. -#}

{%- set prefix = var('operator_variant_sku_prefix') -%}
{%- set key = var('operator_variant_key') -%}
{%- if key not in ('offer_id', 'shop_sku') -%}
    {{ exceptions.raise_compiler_error("operator_variant_key must be offer_id or shop_sku, not " ~ key) }}
{%- endif %}

with

offers as (

    select
        *,
        {% if key == 'offer_id' %}cast(offer_id as varchar){% else %}shop_sku{% endif %}
            as offer_key
    from {{ ref('stg_mirakl_operator__offers') }}

),

variants as (

    select
        variant_id,
        sku,
        price,
        substr(sku, {{ prefix | length + 1 }}) as offer_key
    from {{ ref('base_bigcommerce__variants') }}
    where sku like '{{ prefix }}%'

),

stock as (

    select
        variant_id,
        sum(onhand) as onhand,
        sum(available_to_sell) as available_to_sell,
        count(*) as location_count
    from {{ ref('base_bigcommerce__inventory_items') }}
    group by variant_id

),

storefront as (

    select
        variants.offer_key,
        variants.variant_id,
        variants.sku as variant_sku,
        variants.price as variant_price,
        coalesce(stock.onhand, 0) as storefront_quantity,
        coalesce(stock.available_to_sell, 0) as storefront_available_to_sell,
        coalesce(stock.location_count, 0) as location_count
    from variants
    left join stock on stock.variant_id = variants.variant_id

)

select
    coalesce(offers.offer_key, storefront.offer_key) as offer_key,
    offers.offer_id,
    offers.shop_id,
    offers.shop_sku,
    offers.product_sku,
    offers.currency,
    offers.price,
    offers.quantity as mirakl_quantity,
    coalesce(offers.is_active, false) as is_active,
    coalesce(offers.is_deleted, false) as is_deleted,
    offers.offer_id is not null as is_exported,
    storefront.variant_id,
    storefront.variant_sku,
    storefront.variant_id is not null as has_variant,
    storefront.storefront_quantity,
    storefront.storefront_available_to_sell,
    storefront.location_count,
    case
        when offers.is_active and not offers.is_deleted then coalesce(offers.quantity, 0)
        else 0
    end as expected_storefront_quantity
from offers
full outer join storefront on storefront.offer_key = offers.offer_key
