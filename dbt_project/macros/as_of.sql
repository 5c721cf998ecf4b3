{#- The instant every rule is evaluated at: var('as_of') when given, else the run's start.
    One value for the whole run, so a rerun with the same as_of reproduces its result. -#}
{% macro as_of_value() -%}
    {%- set value = var('as_of', none) -%}
    {%- if value is none or value == '' -%}
        {{ return(run_started_at.strftime('%Y-%m-%dT%H:%M:%S+00:00')) }}
    {%- else -%}
        {{ return(value) }}
    {%- endif -%}
{%- endmacro %}

{% macro as_of() -%}
    cast('{{ as_of_value() }}' as {{ recon_timestamp_tz() }})
{%- endmacro %}
