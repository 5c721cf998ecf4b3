with

source as (

    select * from {{ source('mirakl', 'orders__order_lines__refunds') }}

),

renamed as (

    select
        ---------- ids
        id as refund_id,
        order_line_id,
        order_id,
        order_refund_id,

        ---------- strings
        reason_code,
        coalesce(refund_state, state) as refund_state,

        ---------- numerics
        {{ money('amount') }} as amount,
        {{ money('shipping_amount') }} as shipping_amount,
        {{ money('commission_total_amount') }} as commission_total_amount,
        quantity,

        ---------- timestamps
        created_date as created_at

    from source

)

select * from renamed
