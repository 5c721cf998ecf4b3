{{ config(schema='finance') }}

{#- Drill-down of a billing cycle: its transaction lines summed per transaction type. -#}

select
    billing_cycle_id,
    transaction_type,
    currency,
    count(*) as line_count,
    count(distinct order_id) as order_count,
    sum(amount_credited) as amount_credited,
    sum(amount_debited) as amount_debited,
    sum(amount) as amount
from {{ ref('stg_mirakl__transaction_logs') }}
where billing_cycle_id is not null
group by billing_cycle_id, transaction_type, currency
