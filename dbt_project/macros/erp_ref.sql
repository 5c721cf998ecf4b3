{#- The canonical ERP layer reads the staging models of the ERP chosen by var('erp_system'),
    so every drift rule works unchanged whichever ERP feeds it. The ledger and bank deposits
    come from var('finance_system') (default: the same ERP), since commerce platforms keep no
    general ledger and their finance side usually arrives as file exports. -#}
{% macro erp_ref(entity) -%}
    {{ ref('stg_' ~ erp_source_for(entity) ~ '__' ~ entity) }}
{%- endmacro %}

{% macro erp_source_for(entity) -%}
    {%- if entity in ('ledger_entries', 'bank_deposits') -%}
        {{ var('finance_system') or var('erp_system') }}
    {%- else -%}
        {{ var('erp_system') }}
    {%- endif -%}
{%- endmacro %}
