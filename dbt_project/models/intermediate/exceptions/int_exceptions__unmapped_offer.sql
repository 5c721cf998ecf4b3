{#- An active Mirakl offer whose shop SKU no ERP item carries: what it sells, nobody stocks. -#}

with

offers as (

    select * from {{ ref('stg_mirakl__offers') }} where is_active

),

items as (

    select shop_sku from {{ ref('int_erp__items') }}

)

select
    'unmapped_offer' as exception_type,
    offers.shop_sku as entity_id,
    case when offers.quantity > 0 then 'high' else 'medium' end as severity,
    cast(null as {{ recon_timestamp_tz() }}) as deadline_at,
    {{ money('offers.quantity * offers.price') }} as amount_at_risk,
    offers.currency,
    {{ json_object({
        'offer_id': 'offers.offer_id',
        'product_sku': 'offers.product_sku',
        'mirakl_quantity': 'offers.quantity',
        'price': 'offers.price',
    }) }} as details
from offers
left join items on items.shop_sku = offers.shop_sku
where items.shop_sku is null
