{#- G/L entries in the company's local currency, with the Mirakl order id and pay-out
    reference read from the dimensions each posting is tagged with (dimension codes from the
    vars business_central_order_dimension and business_central_payout_dimension). -#}

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

order_dimension as (

    select general_ledger_entry_id, dimension_value as marketplace_order_id
    from dimensions
    where dimension_code
        = '{{ var("business_central_order_dimension", "MIRAKL-ORDER") }}'

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
        entries.entry_id,
        order_dimension.marketplace_order_id,
        payout_dimension.payout_reference,

        ---------- strings
        {{ dbt.concat([
            "entries.account_number",
            "' '",
            "coalesce(accounts.account_name, '')",
        ]) }} as account,
        company.local_currency as currency,
        entries.memo,

        ---------- numerics
        entries.debit,
        entries.credit,

        ---------- timestamps
        entries.posted_at

    from entries
    cross join company
    left join accounts on accounts.account_number = entries.account_number
    left join order_dimension
        on order_dimension.general_ledger_entry_id = entries.general_ledger_entry_id
    left join payout_dimension
        on payout_dimension.general_ledger_entry_id = entries.general_ledger_entry_id

)

select * from joined
