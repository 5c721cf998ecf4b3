{#- An ERP order (not cancelled) whose total differs from what Mirakl charged by more than
    the money tolerance, or that is kept in another currency. -#}

with

orders as (

    select
        *,
        erp_total_amount - total_price as amount_difference
    from {{ ref('int_orders_matched_to_erp') }}
    where erp_order_id is not null and erp_status <> 'cancelled'

)

select
    'order_amount_mismatch' as exception_type,
    order_id as entity_id,
    case
        when erp_currency <> currency or abs(amount_difference) >= 50 then 'high'
        when abs(amount_difference) >= 5 then 'medium'
        else 'low'
    end as severity,
    cast(null as {{ recon_timestamp_tz() }}) as deadline_at,
    case when erp_currency = currency then abs(amount_difference) end as amount_at_risk,
    currency,
    {{ json_object({
        'erp_order_id': 'erp_order_id',
        'erp_total_amount': 'erp_total_amount',
        'erp_currency': 'erp_currency',
        'mirakl_total_price': 'total_price',
        'mirakl_currency': 'currency',
        'difference': 'amount_difference',
    }) }} as details
from orders
where erp_currency <> currency or abs(amount_difference) > {{ var('money_tolerance') }}
