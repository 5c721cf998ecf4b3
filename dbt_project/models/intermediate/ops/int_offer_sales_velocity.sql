{#- Units each shop SKU sold on Mirakl over the 28 days before as_of, and the daily pace that
    gives. Refused and canceled lines never left the shop, so they are not sales. -#}

{%- set window_days = 28 -%}

with

order_lines as (

    select * from {{ ref('stg_mirakl__order_lines') }}
    where order_line_state not in ('REFUSED', 'CANCELED')
        and created_at > {{ dbt.dateadd('day', -window_days, as_of()) }}
        and created_at <= {{ as_of() }}

)

select
    shop_sku,
    cast(sum(quantity) as {{ dbt.type_bigint() }}) as units_sold_28d,
    count(distinct order_id) as orders_28d,
    {{ units('round(sum(quantity) / ' ~ window_days ~ '.0, 4)') }} as sales_velocity_per_day
from order_lines
where shop_sku is not null
group by shop_sku
