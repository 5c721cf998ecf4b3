{#- One row per exception, with its history kept across runs: a new detection opens a row,
    a later run that no longer sees it marks it resolved (never deleted), and a detection
    that comes back reopens the same row. `first_detected_at` survives every rerun.
    Lives in the warehouse's default schema, so analysts query it as `exceptions`. -#}

{{
    config(
        materialized='incremental',
        unique_key='exception_id',
        incremental_strategy='delete+insert',
        schema=none,
        full_refresh=false,
        on_schema_change='append_new_columns',
    )
}}

{{ exceptions_with_history(ref('int_exceptions_detected')) }}
