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

with

current_detections as (

    select * from {{ ref('int_operator__exceptions_detected') }}

){% if is_incremental() %},

previous as (

    select * from {{ this }}

),

merged as (

    select
        coalesce(current_detections.exception_id, previous.exception_id) as exception_id,
        coalesce(current_detections.exception_type, previous.exception_type) as exception_type,
        coalesce(current_detections.entity_id, previous.entity_id) as entity_id,
        coalesce(current_detections.owner, previous.owner) as owner,
        coalesce(current_detections.severity, previous.severity) as severity,
        case when current_detections.exception_id is not null then 'open' else 'resolved' end
            as status,
        coalesce(current_detections.detected_at, previous.detected_at) as detected_at,
        coalesce(previous.first_detected_at, current_detections.detected_at) as first_detected_at,
        case
            when current_detections.exception_id is not null then null
            else coalesce(previous.resolved_at, {{ as_of() }})
        end as resolved_at,
        case when current_detections.exception_id is not null
            then current_detections.deadline_at else previous.deadline_at end as deadline_at,
        case when current_detections.exception_id is not null
            then current_detections.amount_at_risk else previous.amount_at_risk end
            as amount_at_risk,
        coalesce(current_detections.currency, previous.currency) as currency,
        coalesce(current_detections.details, previous.details) as details
    from current_detections
    full outer join previous on previous.exception_id = current_detections.exception_id
    {# Rows resolved earlier and still quiet are left as they are. #}
    where current_detections.exception_id is not null or previous.status = 'open'

)

{% else %},

merged as (

    select
        exception_id,
        exception_type,
        entity_id,
        owner,
        severity,
        'open' as status,
        detected_at,
        detected_at as first_detected_at,
        cast(null as {{ recon_timestamp_tz() }}) as resolved_at,
        deadline_at,
        amount_at_risk,
        currency,
        details
    from current_detections

)

{% endif %}

select * from merged
