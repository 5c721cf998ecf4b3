{#- Operator mode's exceptions, one row per type and entity, with history kept across runs
    exactly as in the main `exceptions` table (opened, resolved, reopened; never deleted).
    Lives at `operator.exceptions`. -#}

{{
    config(
        materialized='incremental',
        unique_key='exception_id',
        incremental_strategy='delete+insert',
        schema='operator',
        alias='exceptions',
        full_refresh=false,
        on_schema_change='append_new_columns',
    )
}}

{{ exceptions_with_history(ref('int_operator__exceptions_detected')) }}
