{{ config(schema='finance') }}

{#- Drill-down of a billing cycle's ledger leg: each of its orders with Mirakl's net and the
    ERP ledger's net as they stood at the payout, and the difference. -#}

select
    billing_cycle_id,
    order_id,
    payout_reference,
    currency,
    paid_out_at,
    line_count,
    posting_count,
    mirakl_net as mirakl_order_net,
    erp_net as erp_order_net,
    erp_net - mirakl_net as ledger_minus_mirakl
from {{ ref('int_billing_cycle_orders') }}
