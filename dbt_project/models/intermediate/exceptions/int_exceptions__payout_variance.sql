{#- A paid billing cycle whose payout, bank deposit or ERP ledger does not reconcile beyond
    the money tolerance. `details` names each leg that differs and by how much. -#}

{%- set tolerance = var('money_tolerance') %}

with

cycles as (

    select
        *,
        payment_amount - lines_amount as payment_difference,
        amount_transferred_to_seller - lines_amount as transferred_difference,
        deposit_amount - amount_transferred_to_seller as deposit_difference,
        erp_order_net - mirakl_order_net as ledger_difference,
        deposit_amount is null and deposit_due_at < {{ as_of() }} as is_deposit_missing
    from {{ ref('int_billing_cycles_reconciled') }}

),

measured as (

    select
        *,
        greatest(
            abs(payment_difference), abs(transferred_difference),
            abs(coalesce(deposit_difference, 0)), abs(ledger_difference)
        ) as largest_difference
    from cycles

),

legs as (

    select
        *,
        payment_line_count = 0
            or abs(payment_difference) > {{ tolerance }}
            or abs(transferred_difference) > {{ tolerance }} as is_payout_off,
        is_deposit_missing
            or coalesce(abs(deposit_difference) > {{ tolerance }}, false) as is_bank_off,
        abs(ledger_difference) > {{ tolerance }} as is_ledger_off
    from measured

)

select
    'payout_variance' as exception_type,
    billing_cycle_id as entity_id,
    case
        when is_deposit_missing or payment_line_count = 0 then 'critical'
        when largest_difference >= 100 then 'critical'
        when largest_difference >= 10 then 'high'
        else 'medium'
    end as severity,
    cast(null as {{ recon_timestamp_tz() }}) as deadline_at,
    greatest(
        case when is_payout_off then greatest(abs(payment_difference), abs(transferred_difference)) else 0 end,
        case when is_deposit_missing then amount_transferred_to_seller
             when is_bank_off then abs(deposit_difference) else 0 end,
        case when is_ledger_off then abs(ledger_difference) else 0 end
    ) as amount_at_risk,
    currency,
    {{ json_object({
        'payout_reference': 'payout_reference',
        'legs_off': dbt.concat([
            "case when is_payout_off then 'payout ' else '' end",
            "case when is_bank_off then 'bank ' else '' end",
            "case when is_ledger_off then 'ledger' else '' end",
        ]),
        'lines_amount': 'lines_amount',
        'payment_amount': 'payment_amount',
        'amount_transferred_to_seller': 'amount_transferred_to_seller',
        'payout_minus_lines': 'payment_difference',
        'transferred_minus_lines': 'transferred_difference',
        'deposit_amount': 'deposit_amount',
        'deposit_minus_transferred': 'deposit_difference',
        'deposit_missing': 'is_deposit_missing',
        'erp_ledger_net': 'erp_order_net',
        'mirakl_order_net': 'mirakl_order_net',
        'ledger_minus_mirakl': 'ledger_difference',
    }) }} as details
from legs
where is_payout_off or is_bank_off or is_ledger_off
