{#- Every operator-mode exception that holds at as_of, owned and priced. -#}

{%- set rules = ['storefront_stock_mismatch', 'storefront_variant_missing'] %}

{#- Owners live here, not in the exception_types seed: operator mode's types exist only when
    the mode is on. -#}
{{ detected_exceptions(rules, """(
    select 'storefront_stock_mismatch' as exception_type, 'ecommerce' as owner
    union all
    select 'storefront_variant_missing', 'ecommerce'
)""") }}
