{#- Money received in the bank: the debits of G/L accounts in the Cash sub-category (the bank
    accounts' G/L accounts), with the pay-out reference of the MIRAKL-PAYOUT dimension. -#}

with

entries as (

    select * from {{ ref('base_business_central__general_ledger_entries') }}

),

dimensions as (

    select * from {{ ref('base_business_central__general_ledger_dimensions') }}

),

accounts as (

    select * from {{ ref('base_business_central__accounts') }}

),

company as (

    select * from {{ ref('base_business_central__company_information') }}

),

payout_dimension as (

    select general_ledger_entry_id, dimension_value as payout_reference
    from dimensions
    where dimension_code
        = '{{ var("business_central_payout_dimension", "MIRAKL-PAYOUT") }}'

),

joined as (

    select
        ---------- ids
        entries.entry_id as deposit_id,
        payout_dimension.payout_reference,

        ---------- strings
        company.local_currency as currency,

        ---------- numerics
        {{ money("entries.debit - entries.credit") }} as amount,

        ---------- timestamps
        entries.posted_at as received_at

    from entries
    cross join company
    inner join accounts on accounts.account_number = entries.account_number
    left join payout_dimension
        on payout_dimension.general_ledger_entry_id = entries.general_ledger_entry_id
    where accounts.account_subcategory
        = '{{ var("business_central_bank_subcategory", "Cash") }}'
        and entries.debit > 0

)

select * from joined
