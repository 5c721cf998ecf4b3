{#- How old each tracked source's newest record is at as_of, against its freshness threshold
    (seed freshness_thresholds). A source with no record at all has no newest_at. -#}

with

newest as (

    select 'mirakl.orders' as source_table, max(last_updated_at) as newest_at
    from {{ ref('stg_mirakl__orders') }} where last_updated_at <= {{ as_of() }}
    union all
    select 'mirakl.transaction_logs', max(last_updated_at)
    from {{ ref('stg_mirakl__transaction_logs') }} where last_updated_at <= {{ as_of() }}
    union all
    select 'erp.stock_levels', max(counted_at)
    from {{ ref('int_erp__stock_levels') }} where counted_at <= {{ as_of() }}
    union all
    select 'erp.sales_orders', max(created_at)
    from {{ ref('int_erp__sales_orders') }} where created_at <= {{ as_of() }}
    union all
    select 'erp.fulfilments', max(shipped_at)
    from {{ ref('int_erp__fulfilments') }} where shipped_at <= {{ as_of() }}
    union all
    select 'erp.ledger_entries', max(posted_at)
    from {{ ref('int_erp__ledger_entries') }} where posted_at <= {{ as_of() }}
    union all
    select 'erp.bank_deposits', max(received_at)
    from {{ ref('int_erp__bank_deposits') }} where received_at <= {{ as_of() }}

),

judged as (

    select
        newest.source_table,
        newest.newest_at,
        thresholds.threshold_hours,
        {{ dbt.datediff('newest.newest_at', as_of(), 'minute') }} as minutes_old
    from newest
    inner join {{ ref('freshness_thresholds') }} as thresholds
        on thresholds.source_table = newest.source_table

)

select
    source_table,
    newest_at,
    threshold_hours,
    minutes_old,
    newest_at is null or minutes_old > 60 * threshold_hours as is_stale
from judged
