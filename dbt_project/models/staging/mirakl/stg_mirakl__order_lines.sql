with

source as (

    select * from {{ source('mirakl', 'orders__order_lines') }}

),

renamed as (

    select
        ---------- ids
        order_line_id,
        order_id,
        offer_id,
        offer_sku as shop_sku,
        product_sku,

        ---------- strings
        order_line_state,
        product_title,

        ---------- numerics
        order_line_index,
        quantity,
        {{ money('price_unit') }} as unit_price,
        {{ money('price') }} as price,
        {{ money('shipping_price') }} as shipping_price,
        {{ money('total_price') }} as total_price,
        {{ money('commission_fee') }} as commission_fee,
        {{ money('commission_vat') }} as commission_vat,
        {{ money('total_commission') }} as total_commission,

        ---------- timestamps
        created_date as created_at,
        debited_date as debited_at,
        shipped_date as shipped_at,
        received_date as received_at

    from source

)

select * from renamed
