{#- Each paid billing cycle on its three legs, in the cycle's currency:
    payout  – the PAYMENT line (negated) and SBC11 amount_transferred_to_seller against the
              sum of the cycle's other transaction lines;
    bank    – the bank deposit carrying the pay-out reference against the amount transferred;
    ledger  – the ERP ledger's net for the cycle's orders against Mirakl's net for the same
              orders, both as they stood when the payout was made, so a refund booked after
              the payout does not read as a variance of this cycle. -#}

with

cycles as (

    select * from {{ ref('stg_mirakl__billing_cycles') }}
    where payout_state = 'PAID' and paid_out_at <= {{ as_of() }}

),

lines as (

    select * from {{ ref('stg_mirakl__transaction_logs') }}

),

cycle_lines as (

    select
        billing_cycle_id,
        sum(case when transaction_type <> 'PAYMENT' then amount else 0 end) as lines_amount,
        -sum(case when transaction_type = 'PAYMENT' then amount else 0 end) as payment_amount,
        sum(case when transaction_type = 'PAYMENT' then 1 else 0 end) as payment_line_count,
        count(*) as line_count
    from lines
    where billing_cycle_id is not null
    group by billing_cycle_id

),

order_nets as (

    select
        billing_cycle_id,
        sum(mirakl_net) as mirakl_net,
        sum(erp_net) as erp_net
    from {{ ref('int_billing_cycle_orders') }}
    group by billing_cycle_id

),

deposits as (

    select
        payout_reference,
        currency,
        sum(amount) as deposit_amount,
        count(*) as deposit_count,
        max(received_at) as received_at
    from {{ ref('int_erp__bank_deposits') }}
    where received_at <= {{ as_of() }} and payout_reference is not null
    group by payout_reference, currency

)

select
    cycles.billing_cycle_id,
    cycles.payout_reference,
    cycles.currency,
    cycles.created_at,
    cycles.paid_out_at,
    coalesce(cycle_lines.lines_amount, 0) as lines_amount,
    coalesce(cycle_lines.payment_amount, 0) as payment_amount,
    coalesce(cycle_lines.payment_line_count, 0) as payment_line_count,
    cycles.amount_transferred_to_seller,
    deposits.deposit_amount,
    deposits.received_at as deposit_received_at,
    coalesce(order_nets.mirakl_net, 0) as mirakl_order_net,
    coalesce(order_nets.erp_net, 0) as erp_order_net,
    {{ dbt.dateadd('day', var('deposit_grace_days'), 'cycles.paid_out_at') }}
        as deposit_due_at
from cycles
left join cycle_lines on cycle_lines.billing_cycle_id = cycles.billing_cycle_id
left join order_nets on order_nets.billing_cycle_id = cycles.billing_cycle_id
left join deposits
    on deposits.payout_reference = cycles.payout_reference
    and deposits.currency = cycles.currency
