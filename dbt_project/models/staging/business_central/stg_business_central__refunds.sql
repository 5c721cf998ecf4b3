{#- Posted credit memos with their return reason and, through the invoice they credit, the
    sales order they refund (null when the memo credits no posted invoice). -#}

with

credit_memos as (

    select * from {{ ref('base_business_central__sales_credit_memos') }}
    where is_refund

),

return_reasons as (

    select * from {{ ref('base_business_central__customer_return_reasons') }}

),

invoices as (

    select * from {{ ref('base_business_central__sales_invoices') }}

),

joined as (

    select
        ---------- ids
        credit_memos.refund_id,
        coalesce(invoices.erp_order_id, invoices.invoice_number) as erp_order_id,
        credit_memos.marketplace_order_id,

        ---------- strings
        credit_memos.currency,
        return_reasons.reason,

        ---------- numerics
        credit_memos.amount,

        ---------- timestamps
        credit_memos.created_at

    from credit_memos
    left join return_reasons
        on return_reasons.return_reason_id = credit_memos.return_reason_id
    left join invoices on invoices.invoice_number = credit_memos.invoice_number

)

select * from joined
