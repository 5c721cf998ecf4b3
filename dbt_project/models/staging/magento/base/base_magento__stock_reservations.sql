{#- MSI keeps reservations per stock, not per source, and the API shows them only through the
    salable quantity (in-stock source quantity + reservations − out-of-stock threshold).
    What Magento will not sell of a SKU is therefore Σ source quantity − salable quantity:
    the open orders' reservations, plus any out-of-stock source and the threshold. -#}

with

salable as (

    select * from {{ source('magento', 'salable_quantities') }}

),

source_items as (

    select * from {{ ref('base_magento__source_items') }}

),

source_totals as (

    select
        sku,
        sum(quantity) as quantity
    from source_items
    group by sku

)

select
    ---------- ids
    salable.sku,
    cast(salable.stock_id as integer) as stock_id,

    ---------- numerics
    {{ units('salable.salable_quantity') }} as salable_quantity,
    {{ units('coalesce(source_totals.quantity, 0) - salable.salable_quantity') }}
        as reserved_quantity,

    ---------- timestamps
    salable.pulled_at

from salable
left join source_totals on source_totals.sku = salable.sku
