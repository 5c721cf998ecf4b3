{#- BigCommerce order products; the order product id numbers the line. -#}

with

source as (

    select * from {{ source('bigcommerce', 'order_products') }}

),

renamed as (

    select
        ---------- ids
        cast(order_id as varchar) as erp_order_id,
        id as line_number,
        sku,

        ---------- numerics
        {{ units('quantity') }} as quantity,
        {{ money('price_inc_tax') }} as unit_price,
        {{ money('total_inc_tax') }} as line_amount

    from source

)

select * from renamed
