-- The floor: the stock, order and payout drifts computed by hand, in one DuckDB script, straight
-- from the landed tables. It is what the drift models cost at the least: no views, no tests, no
-- intermediate tables kept, no history. The benchmark checks that it finds exactly the
-- exceptions the drift models find for these five types.
-- Parameters: $as_of (TIMESTAMPTZ), $alert_minutes, $tolerance,
-- $stock_tolerance, $grace_days.

create or replace temp table floor_exceptions as

with

latest_stock as (
    select sku, sum(on_hand) as on_hand, sum(committed) as committed
    from (
        select sku, on_hand, committed,
            row_number() over (partition by sku, location order by as_of desc) as recency
        from erp_files.stock_levels
        where as_of <= $as_of
    )
    where recency = 1
    group by sku
),

available as (
    select
        coalesce(items.mirakl_shop_sku, items.sku) as shop_sku,
        greatest(0, floor(coalesce(stock.on_hand - stock.committed, 0) * items.units_per_stock_unit)
            - items.safety_stock) as expected_quantity
    from erp_files.items as items
    left join latest_stock as stock using (sku)
),

stock_mismatch as (
    select 'stock_mismatch' as exception_type, offers.shop_sku as entity_id
    from mirakl.offers as offers
    join available using (shop_sku)
    where offers.active and abs(offers.quantity - available.expected_quantity) > $stock_tolerance
),

erp_orders as (
    select marketplace_order_id, count(*) as erp_order_count
    from erp_files.sales_orders
    where marketplace_order_id is not null and created_at <= $as_of
    group by marketplace_order_id
),

shipped as (
    select marketplace_order_id, min(shipped_at) as first_shipped_at
    from erp_files.fulfilments
    where marketplace_order_id is not null and shipped_at <= $as_of
    group by marketplace_order_id
),

orders as (
    select orders.*, coalesce(erp_orders.erp_order_count, 0) as erp_order_count,
        shipped.first_shipped_at
    from mirakl.orders as orders
    left join erp_orders on erp_orders.marketplace_order_id = orders.order_id
    left join shipped on shipped.marketplace_order_id = orders.order_id
    where orders.created_date <= $as_of
),

order_drifts as (
    select 'unacknowledged_order' as exception_type, order_id as entity_id
    from orders
    where order_state = 'WAITING_ACCEPTANCE'
        and created_date < $as_of - to_minutes($alert_minutes)
    union all
    select 'fulfilled_not_shipped', order_id
    from orders
    where order_state = 'SHIPPING' and first_shipped_at < $as_of - to_minutes($alert_minutes)
    union all
    select 'order_missing_in_erp', order_id
    from orders
    where order_state = 'SHIPPING' and erp_order_count = 0
        and coalesce(customer_debited_date, last_updated_date) < $as_of - to_minutes($alert_minutes)
),

cycles as (
    select id as billing_cycle_id, pay_out__reference as payout_reference,
        currency_iso_code as currency, pay_out__transaction_date as paid_out_at,
        amount_transferred_to_seller
    from mirakl.billing_cycles
    where pay_out__state = 'PAID' and pay_out__transaction_date <= $as_of
),

lines as (
    select seller_billing_cycle_id as billing_cycle_id, entities__order__id as order_id,
        type, currency_iso_code as currency, date_created as created_at,
        amount_credited - amount_debited as amount
    from mirakl.transaction_logs
),

cycle_lines as (
    select billing_cycle_id,
        sum(amount) filter (where type <> 'PAYMENT') as lines_amount,
        -sum(amount) filter (where type = 'PAYMENT') as payment_amount,
        count(*) filter (where type = 'PAYMENT') as payment_lines
    from lines
    where billing_cycle_id is not null
    group by billing_cycle_id
),

cycle_orders as (
    select distinct lines.billing_cycle_id, lines.order_id, cycles.paid_out_at, cycles.currency
    from lines
    join cycles using (billing_cycle_id)
    where lines.order_id is not null
),

order_nets as (
    select cycle_orders.billing_cycle_id,
        (select coalesce(sum(l.amount), 0) from lines as l
            where l.order_id = cycle_orders.order_id and l.created_at <= cycle_orders.paid_out_at
                and l.currency = cycle_orders.currency) as mirakl_net,
        (select coalesce(sum(e.credit - e.debit), 0) from erp_files.ledger_entries as e
            where e.marketplace_order_id = cycle_orders.order_id
                and e.posted_at <= cycle_orders.paid_out_at
                and e.currency = cycle_orders.currency) as erp_net
    from cycle_orders
),

cycle_nets as (
    select billing_cycle_id, sum(mirakl_net) as mirakl_net, sum(erp_net) as erp_net
    from order_nets
    group by billing_cycle_id
),

deposits as (
    select reference as payout_reference, currency, sum(amount) as deposit_amount
    from erp_files.bank_deposits
    where received_at <= $as_of and reference is not null
    group by reference, currency
),

payout_drifts as (
    select 'payout_variance' as exception_type, cycles.billing_cycle_id as entity_id
    from cycles
    left join cycle_lines using (billing_cycle_id)
    left join cycle_nets using (billing_cycle_id)
    left join deposits using (payout_reference, currency)
    where coalesce(cycle_lines.payment_lines, 0) = 0
        or abs(coalesce(cycle_lines.payment_amount, 0) - coalesce(cycle_lines.lines_amount, 0))
            > $tolerance
        or abs(cycles.amount_transferred_to_seller - coalesce(cycle_lines.lines_amount, 0))
            > $tolerance
        or (deposits.deposit_amount is null
            and cycles.paid_out_at + to_days($grace_days) < $as_of)
        or abs(deposits.deposit_amount - cycles.amount_transferred_to_seller) > $tolerance
        or abs(coalesce(cycle_nets.erp_net, 0) - coalesce(cycle_nets.mirakl_net, 0)) > $tolerance
)

select * from stock_mismatch
union all select * from order_drifts
union all select * from payout_drifts;
