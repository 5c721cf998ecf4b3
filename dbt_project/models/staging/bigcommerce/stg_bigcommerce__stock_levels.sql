{#- Stock per variant and location as BigCommerce reports it now. BigCommerce takes stock out
    when an order is placed, so on_hand is already net of open orders; units sold beyond the
    stock (backorders) are what is still committed. BigCommerce has no stock timestamp: a
    stock change updates the product, so the product's date_modified is when it was counted. -#}

with

inventory as (

    select * from {{ ref('base_bigcommerce__inventory_items') }}

),

variants as (

    select * from {{ ref('base_bigcommerce__variants') }}

),

joined as (

    select
        ---------- ids
        inventory.sku,
        inventory.location_code as location,

        ---------- numerics
        inventory.onhand as on_hand,
        inventory.backordered as committed,

        ---------- timestamps
        variants.product_date_modified as counted_at

    from inventory
    inner join variants on variants.variant_id = inventory.variant_id

)

select * from joined
