{#- The canonical ERP layer reads the staging models of the ERP chosen by var('erp_system'),
    so every drift rule works unchanged whichever ERP feeds it. -#}
{% macro erp_ref(entity) -%}
    {{ ref('stg_' ~ var('erp_system') ~ '__' ~ entity) }}
{%- endmacro %}
