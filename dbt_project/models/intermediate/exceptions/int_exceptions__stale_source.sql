{#- A source whose newest record (as of the evaluation time) is older than its freshness
    threshold (seed freshness_thresholds), or that holds no record at all. -#}

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
    'stale_source' as exception_type,
    source_table as entity_id,
    case
        when newest_at is null or minutes_old > 3 * 60 * threshold_hours then 'critical'
        else 'high'
    end as severity,
    cast(null as {{ recon_timestamp_tz() }}) as deadline_at,
    cast(null as decimal(18, 4)) as amount_at_risk,
    cast(null as varchar) as currency,
    {{ json_object({
        'newest_record_at': 'newest_at',
        'threshold_hours': 'threshold_hours',
        'hours_old': 'minutes_old / 60',
    }) }} as details
from judged
where newest_at is null or minutes_old > 60 * threshold_hours
