with

source as (

    select * from {{ source('inventory_planner', 'purchase_orders__items') }}

),

renamed as (

    select
        ---------- ids
        purchase_order_id,
        id as purchase_order_item_id,
        sku,

        ---------- strings
        title as item_title,

        ---------- numerics
        {{ units('replenishment') }} as ordered_units,
        {{ units('remaining') }} as remaining_units,
        {{ money('cost_price') }} as cost_price

    from source

)

select * from renamed
