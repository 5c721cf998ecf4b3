{#- The orders of each paid billing cycle, with Mirakl's net and the ERP ledger's net for each
    order as they stood when the payout was made (in the cycle's currency). The ledger leg of
    a cycle is the sum of its orders; finance drills down to the orders that differ. -#}

with

cycles as (

    select * from {{ ref('stg_mirakl__billing_cycles') }}
    where payout_state = 'PAID' and paid_out_at <= {{ as_of() }}

),

lines as (

    select * from {{ ref('stg_mirakl__transaction_logs') }}

),

cycle_orders as (

    select distinct billing_cycle_id, order_id
    from lines
    where billing_cycle_id is not null and order_id is not null

),

mirakl_net as (

    select
        cycle_orders.billing_cycle_id,
        cycle_orders.order_id,
        sum(lines.amount) as mirakl_net,
        count(*) as line_count
    from cycle_orders
    inner join cycles on cycles.billing_cycle_id = cycle_orders.billing_cycle_id
    inner join lines
        on lines.order_id = cycle_orders.order_id
        and lines.created_at <= cycles.paid_out_at
        and lines.currency = cycles.currency
    group by cycle_orders.billing_cycle_id, cycle_orders.order_id

),

erp_net as (

    select
        cycle_orders.billing_cycle_id,
        cycle_orders.order_id,
        sum(ledger.credit - ledger.debit) as erp_net,
        count(*) as posting_count
    from cycle_orders
    inner join cycles on cycles.billing_cycle_id = cycle_orders.billing_cycle_id
    inner join {{ ref('int_erp__ledger_entries') }} as ledger
        on ledger.marketplace_order_id = cycle_orders.order_id
        and ledger.posted_at <= cycles.paid_out_at
        and ledger.currency = cycles.currency
    group by cycle_orders.billing_cycle_id, cycle_orders.order_id

)

select
    cycle_orders.billing_cycle_id,
    cycle_orders.order_id,
    cycles.payout_reference,
    cycles.currency,
    cycles.paid_out_at,
    coalesce(mirakl_net.line_count, 0) as line_count,
    coalesce(erp_net.posting_count, 0) as posting_count,
    coalesce(mirakl_net.mirakl_net, 0) as mirakl_net,
    coalesce(erp_net.erp_net, 0) as erp_net
from cycle_orders
inner join cycles on cycles.billing_cycle_id = cycle_orders.billing_cycle_id
left join mirakl_net
    on mirakl_net.billing_cycle_id = cycle_orders.billing_cycle_id
    and mirakl_net.order_id = cycle_orders.order_id
left join erp_net
    on erp_net.billing_cycle_id = cycle_orders.billing_cycle_id
    and erp_net.order_id = cycle_orders.order_id
