{#- The two halves every exceptions table shares, so the seller's `exceptions` and operator
    mode's `operator.exceptions` detect and keep history the same way. -#}

{#- Every exception of the given rules (models int_exceptions__<rule>) that holds at as_of, in
    one shape, with its id and owner. `owners` is a relation or a parenthesised query of
    (exception_type, owner). -#}
{% macro detected_exceptions(rules, owners) %}

with

detected as (

    {% for rule in rules %}
    select
        exception_type,
        cast(entity_id as varchar) as entity_id,
        severity,
        cast(deadline_at as {{ recon_timestamp_tz() }}) as deadline_at,
        {{ money('amount_at_risk') }} as amount_at_risk,
        cast(currency as varchar) as currency,
        cast(details as varchar) as details
    from {{ ref('int_exceptions__' ~ rule) }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select
    {{ exception_id('detected.exception_type', 'detected.entity_id') }} as exception_id,
    detected.exception_type,
    detected.entity_id,
    exception_types.owner,
    detected.severity,
    {{ as_of() }} as detected_at,
    detected.deadline_at,
    detected.amount_at_risk,
    detected.currency,
    detected.details
from detected
left join {{ owners }} as exception_types
    on exception_types.exception_type = detected.exception_type

{% endmacro %}

{#- The exceptions of `detections` with their history kept across runs (for an incremental
    model with unique_key exception_id): a new detection opens a row, a later run that no
    longer sees it marks it resolved (never deleted), and a detection that comes back reopens
    the same row. `first_detected_at` survives every rerun. -#}
{% macro exceptions_with_history(detections) %}

with

current_detections as (

    select * from {{ detections }}

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

{% endmacro %}
