with

source as (

    select * from {{ source('inventory_planner', 'purchase_orders') }}

),

renamed as (

    select
        ---------- ids
        id as purchase_order_id,
        reference,
        warehouse as warehouse_id,

        ---------- strings
        type as order_type,
        status,
        vendor,
        currency,

        ---------- numerics
        {{ money('total') }} as total_amount,
        {{ units('total_ordered') }} as ordered_units,
        {{ units('total_received') }} as received_units,

        ---------- dates
        created_date as created_on,
        expected_date as expected_on,

        ---------- timestamps
        created_at,
        updated_at,
        last_modified as last_modified_at

    from source

)

select * from renamed
