{#- An order still waiting for acceptance past the alert delay. Mirakl refuses it when the
    acceptance window ends, so severity rises as that deadline nears. -#}

with

orders as (

    select
        *,
        {{ dbt.dateadd('hour', var('acceptance_window_hours'), 'created_at') }} as deadline_at
    from {{ ref('int_orders_matched_to_erp') }}
    where order_state = 'WAITING_ACCEPTANCE'
        and created_at < {{ dbt.dateadd('minute', -var('alert_delay_minutes'), as_of()) }}

),

timed as (

    select
        *,
        {{ minutes_between(as_of(), 'deadline_at') }} as minutes_left
    from orders

)

select
    'unacknowledged_order' as exception_type,
    order_id as entity_id,
    case
        when minutes_left < 6 * 60 then 'critical'
        when minutes_left < 24 * 60 then 'high'
        when minutes_left < 48 * 60 then 'medium'
        else 'low'
    end as severity,
    deadline_at,
    total_price as amount_at_risk,
    currency,
    {{ json_object({
        'created_at': 'created_at',
        'minutes_waiting': minutes_between('created_at', as_of()),
        'minutes_left': 'minutes_left',
        'erp_order_id': 'erp_order_id',
    }) }} as details
from timed
