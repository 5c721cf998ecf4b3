with

source as (

    select * from {{ source('netsuite', 'ledger_entries') }}

),

renamed as (

    select
        ---------- ids
        {# Internal ids: transaction numbers (tranid) may repeat across transaction types. #}
        {{ dbt.concat([
            "cast(transaction_id as " ~ dbt.type_string() ~ ")",
            "'-'",
            "cast(line_id as " ~ dbt.type_string() ~ ")",
        ]) }} as entry_id,
        marketplace_order_id,
        payout_reference,

        ---------- strings
        account_name as account,
        currency,
        memo,

        ---------- numerics
        {# NetSuite leaves the other side of an accounting line empty. #}
        {{ money('coalesce(debit, 0)') }} as debit,
        {{ money('coalesce(credit, 0)') }} as credit,

        ---------- timestamps
        {# The transaction's date is a date only; its creation time is when it was booked. #}
        posted_at

    from source

)

select * from renamed
