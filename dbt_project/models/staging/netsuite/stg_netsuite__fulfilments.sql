with

source as (

    select * from {{ source('netsuite', 'fulfilments') }}

),

renamed as (

    select
        ---------- ids
        tran_id as fulfilment_id,
        order_tran_id as erp_order_id,
        marketplace_order_id,
        tracking_numbers as tracking_number,

        ---------- strings
        ship_method as erp_carrier,

        ---------- timestamps
        {# NetSuite keeps the ship date as a date only; the fulfilment is made when it ships. #}
        created_at as shipped_at

    from source
    {# Picked (A) and packed (B) fulfilments have not left the warehouse yet. #}
    where status = 'C'

)

select * from renamed
