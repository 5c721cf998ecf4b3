with

source as (

    select * from {{ source('mirakl', 'billing_cycles') }}

),

renamed as (

    select
        ---------- ids
        id as billing_cycle_id,
        payment_voucher_number,
        pay_out__reference as payout_reference,

        ---------- strings
        pay_out__state as payout_state,
        currency_iso_code as currency,

        ---------- numerics
        {{ money('amount_transferred_to_seller') }} as amount_transferred_to_seller,
        {{ money('amount_transferred_to_operator') }} as amount_transferred_to_operator,

        ---------- timestamps
        date_created as created_at,
        pay_out__transaction_date as paid_out_at

    from source

)

select * from renamed
