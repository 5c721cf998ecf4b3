{#- The first instant of a calendar date in UTC, as a timestamp with time zone: for sources
    that keep a date without a time (Business Central's orderDate, postingDate). Spelled out so
    that the session time zone of the warehouse never shifts it. -#}
{% macro utc_start_of_day(date_expression) -%}
    {{ return(adapter.dispatch('utc_start_of_day', 'mirakl_recon')(date_expression)) }}
{%- endmacro %}

{% macro default__utc_start_of_day(date_expression) -%}
    (cast({{ date_expression }} as timestamp) at time zone 'UTC')
{%- endmacro %}

{% macro snowflake__utc_start_of_day(date_expression) -%}
    to_timestamp_tz(to_char({{ date_expression }}, 'YYYY-MM-DD') || ' 00:00:00 +00:00')
{%- endmacro %}
