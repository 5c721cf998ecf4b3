{#- One row per Mirakl order with its ERP sales order, its fulfilments and the refunds on both
    sides, as known at as_of. An ERP order matches on marketplace_order_id = Mirakl order_id
    (exactly, case kept); when the ERP holds several, the one not cancelled and newest wins. -#}

with

orders as (

    select * from {{ ref('stg_mirakl__orders') }}
    where created_at <= {{ as_of() }}

),

sales_orders_ranked as (

    select
        *,
        count(*) over (partition by marketplace_order_id) as erp_order_count,
        row_number() over (
            partition by marketplace_order_id
            order by case when status = 'cancelled' then 1 else 0 end, created_at desc
        ) as preference
    from {{ ref('int_erp__sales_orders') }}
    where marketplace_order_id is not null and created_at <= {{ as_of() }}

),

sales_orders as (

    select * from sales_orders_ranked where preference = 1

),

fulfilments as (

    select
        marketplace_order_id,
        count(*) as fulfilment_count,
        min(shipped_at) as first_shipped_at,
        max(shipped_at) as last_shipped_at,
        {{ dbt.listagg('erp_carrier', "', '", "order by shipped_at") }} as erp_carriers,
        {{ dbt.listagg('tracking_number', "', '", "order by shipped_at") }} as tracking_numbers,
        sum(case when is_carrier_mapped and is_code_known_to_mirakl then 0 else 1 end)
            as unsendable_carrier_count
    from {{ ref('int_fulfilments_mapped_to_carriers') }}
    where marketplace_order_id is not null
    group by marketplace_order_id

),

erp_refunds as (

    select
        marketplace_order_id,
        currency,
        sum(amount) as refunded_amount,
        count(*) as refund_count,
        max(created_at) as last_refunded_at
    from {{ ref('int_erp__refunds') }}
    {# A refund younger than the alert delay may still be on its way to Mirakl. #}
    where created_at <= {{ dbt.dateadd('minute', -var('alert_delay_minutes'), as_of()) }}
        and marketplace_order_id is not null
    group by marketplace_order_id, currency

),

mirakl_refunds as (

    select
        order_id,
        sum(amount + shipping_amount) as refunded_amount,
        count(*) as refund_count
    from {{ ref('stg_mirakl__order_refunds') }}
    where created_at <= {{ as_of() }}
    group by order_id

)

select
    orders.order_id,
    orders.commercial_id,
    orders.order_state,
    orders.currency,
    orders.total_price,
    orders.total_commission,
    orders.created_at,
    orders.last_updated_at,
    orders.customer_debited_at,
    orders.shipping_deadline_at,
    orders.shipping_carrier_code,
    orders.shipping_tracking,
    sales_orders.erp_order_id,
    sales_orders.status as erp_status,
    sales_orders.currency as erp_currency,
    sales_orders.total_amount as erp_total_amount,
    sales_orders.created_at as erp_created_at,
    coalesce(sales_orders.erp_order_count, 0) as erp_order_count,
    coalesce(fulfilments.fulfilment_count, 0) as fulfilment_count,
    fulfilments.first_shipped_at,
    fulfilments.last_shipped_at,
    fulfilments.erp_carriers,
    fulfilments.tracking_numbers,
    coalesce(fulfilments.unsendable_carrier_count, 0) as unsendable_carrier_count,
    erp_refunds.currency as erp_refund_currency,
    coalesce(erp_refunds.refunded_amount, 0) as erp_refunded_amount,
    coalesce(erp_refunds.refund_count, 0) as erp_refund_count,
    coalesce(mirakl_refunds.refunded_amount, 0) as mirakl_refunded_amount,
    coalesce(mirakl_refunds.refund_count, 0) as mirakl_refund_count
from orders
left join sales_orders on sales_orders.marketplace_order_id = orders.order_id
left join fulfilments on fulfilments.marketplace_order_id = orders.order_id
left join erp_refunds
    on erp_refunds.marketplace_order_id = orders.order_id
    and erp_refunds.currency = orders.currency
left join mirakl_refunds on mirakl_refunds.order_id = orders.order_id
