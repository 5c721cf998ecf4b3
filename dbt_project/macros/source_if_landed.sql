{#- A source table that a loader creates only once it has a row for it, e.g. a dlt child
    table (credit_memos__comments appears with the first comment). Selects from the table when
    it exists, else from no rows of the given columns (name -> type), so models build on a
    store that has never had such a row. -#}
{% macro source_if_landed(source_name, table_name, columns) -%}
    {%- set relation = source(source_name, table_name) -%}
    {%- if execute and load_relation(relation) is none -%}
        (
            select
            {%- for name, type in columns.items() %}
                cast(null as {{ type }}) as {{ name }}{{ "," if not loop.last }}
            {%- endfor %}
            where 1 = 0
        ) as {{ table_name }}
    {%- else -%}
        {{ relation }}
    {%- endif -%}
{%- endmacro %}
