with

source as (

    select * from {{ source('mirakl', 'invoices') }}

),

renamed as (

    select
        ---------- ids
        id as invoice_id,
        invoice_id as invoice_number,
        payment__reference as payout_reference,

        ---------- strings
        type as invoice_type,
        state as invoice_state,
        payment__state as payment_state,
        currency_iso_code as currency,

        ---------- numerics
        {{ money('total_amount_excl_taxes') }} as total_amount_excl_taxes,
        {{ money('total_amount_incl_taxes') }} as total_amount_incl_taxes,

        ---------- timestamps
        date_created as created_at,
        issue_date as issued_at,
        due_date as due_at

    from source

)

select * from renamed
