{{ config(schema='finance') }}

{#- Each paid billing cycle: Mirakl's transaction lines, the payout, the bank deposit and the
    ERP ledger side by side, with the difference on each leg. Finance's month-end view. -#}

select
    billing_cycle_id,
    payout_reference,
    currency,
    created_at,
    paid_out_at,
    lines_amount,
    payment_amount,
    amount_transferred_to_seller,
    deposit_amount,
    deposit_received_at,
    deposit_due_at,
    mirakl_order_net,
    erp_order_net,
    payment_amount - lines_amount as payout_minus_lines,
    amount_transferred_to_seller - lines_amount as transferred_minus_lines,
    deposit_amount - amount_transferred_to_seller as deposit_minus_transferred,
    erp_order_net - mirakl_order_net as ledger_minus_mirakl
from {{ ref('int_billing_cycles_reconciled') }}
