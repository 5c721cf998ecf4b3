{#- A Mirakl order accepted and paid (SHIPPING) for longer than the alert delay, counted from
    the customer debit (else the last update), that the ERP does not have. -#}

with

orders as (

    select * from {{ ref('int_orders_matched_to_erp') }}
    where order_state = 'SHIPPING'
        and erp_order_count = 0
        and coalesce(customer_debited_at, last_updated_at)
            < {{ dbt.dateadd('minute', -var('alert_delay_minutes'), as_of()) }}

)

select
    'order_missing_in_erp' as exception_type,
    order_id as entity_id,
    case
        when shipping_deadline_at is not null
            and shipping_deadline_at <= {{ dbt.dateadd('hour', 24, as_of()) }}
            then 'critical'
        else 'high'
    end as severity,
    shipping_deadline_at as deadline_at,
    total_price as amount_at_risk,
    currency,
    {{ json_object({
        'customer_debited_at': 'customer_debited_at',
        'mirakl_state': 'order_state',
        'commercial_id': 'commercial_id',
    }) }} as details
from orders
