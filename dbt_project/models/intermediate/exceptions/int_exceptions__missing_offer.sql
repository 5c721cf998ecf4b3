{#- A marketplace-listed ERP item with stock to sell and no Mirakl offer at all. -#}

with

available as (

    select * from {{ ref('int_items_available_to_sell') }}
    where is_marketplace_listed and expected_quantity > 0

),

offers as (

    select shop_sku from {{ ref('stg_mirakl__offers') }}

)

select
    'missing_offer' as exception_type,
    available.shop_sku as entity_id,
    'low' as severity,
    cast(null as {{ recon_timestamp_tz() }}) as deadline_at,
    cast(null as decimal(18, 4)) as amount_at_risk,
    cast(null as varchar) as currency,
    {{ json_object({
        'sku': 'available.sku',
        'expected_quantity': 'available.expected_quantity',
        'on_hand_stock_units': 'available.on_hand',
        'units_per_stock_unit': 'available.units_per_stock_unit',
    }) }} as details
from available
left join offers on offers.shop_sku = available.shop_sku
where offers.shop_sku is null
