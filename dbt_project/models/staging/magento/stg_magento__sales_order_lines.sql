with

source as (

    select * from {{ source('magento', 'orders__items') }}

),

renamed as (

    select
        ---------- ids
        order_increment_id as erp_order_id,
        {# Magento numbers order items across the store: increasing within an order, not 1..n. #}
        item_id as line_number,
        sku,

        ---------- numerics
        {{ units('qty_ordered') }} as quantity,
        {{ money('price') }} as unit_price,
        {{ money('row_total') }} as line_amount

    from source
    {# A configurable or bundle product's children repeat the parent row, which carries the
       ordered SKU and its price. #}
    where parent_item_id is null

)

select * from renamed
