{#- Schemas are named for what they hold (staging, ops, finance), not prefixed with the
    target's schema, so analysts read `ops.stock_drift` and `exceptions` directly. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
