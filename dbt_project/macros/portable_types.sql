{#- Types and expressions whose spelling differs between warehouses. DuckDB is the default;
    Postgres and Snowflake variants keep the models portable. -#}

{% macro recon_timestamp_tz() -%}
    {{ return(adapter.dispatch('recon_timestamp_tz', 'mirakl_recon')()) }}
{%- endmacro %}

{% macro default__recon_timestamp_tz() -%}timestamp with time zone{%- endmacro %}
{% macro snowflake__recon_timestamp_tz() -%}timestamp_tz{%- endmacro %}

{% macro money(expression) -%}
    cast({{ expression }} as decimal(18, 4))
{%- endmacro %}

{% macro units(expression) -%}
    cast({{ expression }} as decimal(18, 4))
{%- endmacro %}

{#- A JSON object from alternating key/value expressions: the evidence behind an exception. -#}
{% macro json_object(pairs) -%}
    {{ return(adapter.dispatch('json_object', 'mirakl_recon')(pairs)) }}
{%- endmacro %}

{% macro default__json_object(pairs) -%}
    cast(json_object(
        {%- for key, value in pairs.items() %}
        '{{ key }}', {{ value }}{{ "," if not loop.last }}
        {%- endfor %}
    ) as varchar)
{%- endmacro %}

{% macro postgres__json_object(pairs) -%}
    cast(json_build_object(
        {%- for key, value in pairs.items() %}
        '{{ key }}', {{ value }}{{ "," if not loop.last }}
        {%- endfor %}
    ) as text)
{%- endmacro %}

{% macro snowflake__json_object(pairs) -%}
    to_json(object_construct_keep_null(
        {%- for key, value in pairs.items() %}
        '{{ key }}', {{ value }}{{ "," if not loop.last }}
        {%- endfor %}
    ))
{%- endmacro %}

{#- Stable identifier of an exception: the same type and entity always hash the same. -#}
{% macro exception_id(exception_type, entity_id) -%}
    {{ dbt.hash(dbt.concat([exception_type, "'|'", entity_id])) }}
{%- endmacro %}

{#- Minutes from `start` to `end` as a number (may be fractional-free, floor). -#}
{% macro minutes_between(start, end) -%}
    {{ dbt.datediff(start, end, 'minute') }}
{%- endmacro %}
