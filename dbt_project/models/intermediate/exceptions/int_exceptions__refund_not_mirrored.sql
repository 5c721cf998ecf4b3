{#- The ERP refunded more on an order (refunds older than the alert delay) than Mirakl shows
    refunded (amount + shipping, in any refund state); how the lines split it does not matter. -#}

with

orders as (

    select
        *,
        erp_refunded_amount - mirakl_refunded_amount as unmirrored_amount
    from {{ ref('int_orders_matched_to_erp') }}
    where erp_refund_count > 0

)

select
    'refund_not_mirrored' as exception_type,
    order_id as entity_id,
    case when unmirrored_amount >= 50 then 'high' else 'medium' end as severity,
    cast(null as {{ recon_timestamp_tz() }}) as deadline_at,
    unmirrored_amount as amount_at_risk,
    currency,
    {{ json_object({
        'erp_order_id': 'erp_order_id',
        'erp_refunded': 'erp_refunded_amount',
        'mirakl_refunded': 'mirakl_refunded_amount',
        'erp_refund_count': 'erp_refund_count',
        'mirakl_refund_count': 'mirakl_refund_count',
    }) }} as details
from orders
where unmirrored_amount > {{ var('money_tolerance') }}
