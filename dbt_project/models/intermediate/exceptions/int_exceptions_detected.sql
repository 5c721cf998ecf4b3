{#- Every exception that holds at as_of, one row per type and entity, owned and priced. -#}

{%- set rules = [
    'stock_mismatch', 'unmapped_offer', 'missing_offer', 'unacknowledged_order',
    'fulfilled_not_shipped', 'carrier_code_unmapped', 'order_missing_in_erp',
    'premature_erp_order', 'order_amount_mismatch', 'refund_not_mirrored',
    'payout_variance', 'stale_source', 'planning_stock_drift',
] %}
{#- planning_stock_drift is empty unless a planning tool is landed (var planning_system). -#}

{{ detected_exceptions(rules, ref('exception_types')) }}
