{{ config(schema='ops') }}

{#- Sync health: each tracked source's newest record against its freshness threshold, as of
    the run. The stale ones are also raised as stale_source exceptions. -#}

select
    source_table,
    newest_at,
    threshold_hours,
    round(minutes_old / 60.0, 1) as hours_old,
    is_stale
from {{ ref('int_source_freshness') }}
