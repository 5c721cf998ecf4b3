{#- A source whose newest record (as of the evaluation time) is older than its freshness
    threshold (seed freshness_thresholds), or that holds no record at all. -#}

with

freshness as (

    select * from {{ ref('int_source_freshness') }}

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
from freshness
where is_stale
