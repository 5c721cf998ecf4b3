with

source as (

    select * from {{ source('mirakl', 'transaction_logs') }}

),

renamed as (

    select
        ---------- ids
        id as transaction_id,
        seller_billing_cycle_id as billing_cycle_id,
        entities__order__id as order_id,
        entities__order_line__id as order_line_id,
        entities__refund__id as refund_id,
        accounting_document_number,

        ---------- strings
        type as transaction_type,
        payment_state,
        currency_iso_code as currency,

        ---------- numerics
        {# Mirakl does not document the sign of `amount`: credit to the seller is positive. #}
        {{ money('amount_credited') }} - {{ money('amount_debited') }} as amount,
        {{ money('amount_credited') }} as amount_credited,
        {{ money('amount_debited') }} as amount_debited,

        ---------- timestamps
        date_created as created_at,
        last_updated as last_updated_at

    from source

)

select * from renamed
