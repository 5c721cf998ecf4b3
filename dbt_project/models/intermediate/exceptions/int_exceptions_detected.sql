{#- Every exception that holds at as_of, one row per type and entity, owned and priced. -#}

{%- set rules = [
    'stock_mismatch', 'unmapped_offer', 'missing_offer', 'unacknowledged_order',
    'fulfilled_not_shipped', 'carrier_code_unmapped', 'order_missing_in_erp',
    'premature_erp_order', 'order_amount_mismatch', 'refund_not_mirrored',
    'payout_variance', 'stale_source', 'planning_stock_drift',
] %}
{#- planning_stock_drift is empty unless a planning tool is landed (var planning_system). -#}

with

detected as (

    {% for rule in rules %}
    select
        exception_type,
        cast(entity_id as varchar) as entity_id,
        severity,
        cast(deadline_at as {{ recon_timestamp_tz() }}) as deadline_at,
        {{ money('amount_at_risk') }} as amount_at_risk,
        cast(currency as varchar) as currency,
        cast(details as varchar) as details
    from {{ ref('int_exceptions__' ~ rule) }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select
    {{ exception_id('detected.exception_type', 'detected.entity_id') }} as exception_id,
    detected.exception_type,
    detected.entity_id,
    exception_types.owner,
    detected.severity,
    {{ as_of() }} as detected_at,
    detected.deadline_at,
    detected.amount_at_risk,
    detected.currency,
    detected.details
from detected
left join {{ ref('exception_types') }} as exception_types
    on exception_types.exception_type = detected.exception_type
