{{ config(schema='ops') }}

{#- Every Mirakl order beside its ERP order, fulfilments and refunds, as of the run. -#}

select
    *,
    {{ dbt.dateadd('hour', var('acceptance_window_hours'), 'created_at') }}
        as acceptance_deadline_at
from {{ ref('int_orders_matched_to_erp') }}
