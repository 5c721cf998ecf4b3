{#- The warehouse shipped more than the alert delay ago, but Mirakl still has the order in
    SHIPPING: no tracking, no shipment confirmation, an SLA running and the payout held. -#}

with

orders as (

    select * from {{ ref('int_orders_matched_to_erp') }}
    where order_state = 'SHIPPING'
        and first_shipped_at < {{ dbt.dateadd('minute', -var('alert_delay_minutes'), as_of()) }}

)

select
    'fulfilled_not_shipped' as exception_type,
    order_id as entity_id,
    case
        when shipping_deadline_at is not null and shipping_deadline_at <= {{ as_of() }}
            then 'critical'
        when shipping_deadline_at is not null
            and shipping_deadline_at <= {{ dbt.dateadd('hour', 12, as_of()) }}
            then 'high'
        else 'medium'
    end as severity,
    shipping_deadline_at as deadline_at,
    total_price as amount_at_risk,
    currency,
    {{ json_object({
        'erp_order_id': 'erp_order_id',
        'shipped_at': 'first_shipped_at',
        'erp_carriers': 'erp_carriers',
        'tracking_numbers': 'tracking_numbers',
        'mirakl_state': 'order_state',
    }) }} as details
from orders
