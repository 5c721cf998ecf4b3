with

source as (

    select * from {{ source('business_central', 'general_ledger_entries') }}

),

renamed as (

    select
        ---------- ids
        id as general_ledger_entry_id,
        cast(entry_number as varchar) as entry_id,
        account_number,
        nullif(document_number, '') as document_number,

        ---------- strings
        nullif(description, '') as memo,

        ---------- numerics
        {{ money('debit_amount') }} as debit,
        {{ money('credit_amount') }} as credit,

        ---------- timestamps
        {# G/L entries are written once, when posted: the last change is the posting. #}
        last_modified_date_time as posted_at

    from source

)

select * from renamed
