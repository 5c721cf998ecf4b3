with

source as (

    select * from {{ source('erp_files', 'ledger_entries') }}

),

renamed as (

    select
        ---------- ids
        entry_id,
        marketplace_order_id,
        payout_reference,

        ---------- strings
        account,
        currency,
        memo,

        ---------- numerics
        {{ money('debit') }} as debit,
        {{ money('credit') }} as credit,

        ---------- timestamps
        posted_at

    from source

)

select * from renamed
