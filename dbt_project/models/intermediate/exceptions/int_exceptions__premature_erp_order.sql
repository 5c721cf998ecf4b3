{#- An ERP sales order, not cancelled, for a Mirakl order that is not yet to be shipped
    (waiting acceptance or debit) or never will be (refused, canceled). -#}

with

orders as (

    select * from {{ ref('int_orders_matched_to_erp') }}
    where erp_order_id is not null
        and erp_status <> 'cancelled'
        and order_state in (
            'WAITING_ACCEPTANCE', 'WAITING_DEBIT', 'WAITING_DEBIT_PAYMENT', 'REFUSED', 'CANCELED'
        )

)

select
    'premature_erp_order' as exception_type,
    order_id as entity_id,
    case when order_state in ('REFUSED', 'CANCELED') then 'high' else 'medium' end as severity,
    cast(null as {{ recon_timestamp_tz() }}) as deadline_at,
    erp_total_amount as amount_at_risk,
    erp_currency as currency,
    {{ json_object({
        'erp_order_id': 'erp_order_id',
        'erp_status': 'erp_status',
        'mirakl_state': 'order_state',
        'erp_created_at': 'erp_created_at',
    }) }} as details
from orders
