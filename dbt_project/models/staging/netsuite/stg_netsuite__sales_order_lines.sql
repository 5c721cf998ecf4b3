with

source as (

    select * from {{ source('netsuite', 'sales_order_lines') }}

),

renamed as (

    select
        ---------- ids
        order_tran_id as erp_order_id,
        line_number,
        sku,

        ---------- numerics
        {# NetSuite stores sales order item lines with negative quantity and amount. #}
        {{ units('-1 * quantity') }} as quantity,
        {{ money('rate') }} as unit_price,
        {{ money('-1 * net_amount') }} as line_amount

    from source

)

select * from renamed
