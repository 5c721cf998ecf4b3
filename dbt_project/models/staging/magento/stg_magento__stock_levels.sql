{#- One row per MSI source item (on hand, nothing committed) plus one row per SKU for the
    stock's reservations (location 'stock:<id>', nothing on hand, committed = what Magento
    will not sell; see base_magento__stock_reservations). Summed per SKU, on_hand − committed
    is Magento's salable quantity.

    Source items carry no timestamp. counted_at is the product's updated_at, which a stock
    sync that saves the product moves (var magento_stock_counted_at = 'product_updated_at',
    the default); a store whose sync writes source items directly sets it to 'pulled_at',
    the time the load read them. -#}

{%- set counted_at_from = var('magento_stock_counted_at', 'product_updated_at') %}
{%- if counted_at_from not in ('product_updated_at', 'pulled_at') %}
    {{ exceptions.raise_compiler_error(
        "var magento_stock_counted_at must be 'product_updated_at' or 'pulled_at', got '"
        ~ counted_at_from ~ "'"
    ) }}
{%- endif %}

with

source_items as (

    select * from {{ ref('base_magento__source_items') }}

),

reservations as (

    select * from {{ ref('base_magento__stock_reservations') }}

),

products as (

    select * from {{ ref('base_magento__products') }}

),

on_hand as (

    select
        ---------- ids
        source_items.sku,
        source_items.source_code as location,

        ---------- numerics
        source_items.quantity as on_hand,
        {{ units('0') }} as committed,

        ---------- timestamps
        {% if counted_at_from == 'product_updated_at' -%}
        coalesce(products.updated_at, source_items.pulled_at)
        {%- else -%}
        source_items.pulled_at
        {%- endif %} as counted_at

    from source_items
    left join products on products.sku = source_items.sku

),

reserved as (

    select
        ---------- ids
        reservations.sku,
        {{ dbt.concat(["'stock:'", "cast(reservations.stock_id as " ~ dbt.type_string() ~ ")"]) }}
            as location,

        ---------- numerics
        {{ units('0') }} as on_hand,
        reservations.reserved_quantity as committed,

        ---------- timestamps
        {% if counted_at_from == 'product_updated_at' -%}
        coalesce(products.updated_at, reservations.pulled_at)
        {%- else -%}
        reservations.pulled_at
        {%- endif %} as counted_at

    from reservations
    left join products on products.sku = reservations.sku

)

select * from on_hand
union all
select * from reserved
