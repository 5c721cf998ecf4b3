with

source as (

    select * from {{ source('netsuite', 'refunds') }}

),

renamed as (

    select
        ---------- ids
        tran_id as refund_id,
        order_tran_id as erp_order_id,
        coalesce(marketplace_order_id, order_marketplace_order_id) as marketplace_order_id,

        ---------- strings
        currency,
        memo as reason,

        ---------- numerics
        {# The amount refunded, whichever sign the transaction total carries. #}
        {{ money('abs(total_amount)') }} as amount,

        ---------- timestamps
        created_at

    from source
    where not coalesce(is_voided, false)

)

select * from renamed
