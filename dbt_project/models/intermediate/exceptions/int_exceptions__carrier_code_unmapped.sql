{#- A fulfilment of an order Mirakl still has in SHIPPING whose ERP carrier has no mapping, or
    maps to a code Mirakl's carrier list (SH21) does not have: its tracking cannot be sent. -#}

with

orders as (

    select * from {{ ref('int_orders_matched_to_erp') }}
    where order_state = 'SHIPPING' and unsendable_carrier_count > 0

)

select
    'carrier_code_unmapped' as exception_type,
    order_id as entity_id,
    'high' as severity,
    shipping_deadline_at as deadline_at,
    total_price as amount_at_risk,
    currency,
    {{ json_object({
        'erp_order_id': 'erp_order_id',
        'erp_carriers': 'erp_carriers',
        'tracking_numbers': 'tracking_numbers',
    }) }} as details
from orders
