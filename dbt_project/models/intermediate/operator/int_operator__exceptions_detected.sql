{#- Every operator-mode exception that holds at as_of, owned and priced. -#}

{%- set rules = ['storefront_stock_mismatch', 'storefront_variant_missing'] %}

with

exception_types as (

    select 'storefront_stock_mismatch' as exception_type, 'ecommerce' as owner
    union all
    select 'storefront_variant_missing', 'ecommerce'

),

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
inner join exception_types on exception_types.exception_type = detected.exception_type
