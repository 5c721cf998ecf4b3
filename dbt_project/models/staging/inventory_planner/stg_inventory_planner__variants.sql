with

source as (

    select * from {{ source('inventory_planner', 'variants') }}

),

renamed as (

    select
        ---------- ids
        id as variant_id,
        sku,
        barcode,

        ---------- strings
        title as variant_title,
        forecast_description__method as forecast_method,

        ---------- numerics
        {{ units('in_stock') }} as in_stock_units,
        {{ units('replenishment') }} as replenishment_units,
        {{ units('to_order') }} as to_order_units,
        {{ units('purchase_orders_qty') }} as on_order_units,
        {{ units('last_30_days_sales') }} as units_sold_30d,
        {{ units('current_forecast') }} as forecast_units,
        {{ units('oos') }} as days_until_out_of_stock,
        cast(forecast_description__sales_velocity1 as decimal(18, 6)) as forecast_velocity_per_day,
        cast(forecast_description__trend as decimal(18, 6)) as forecast_trend,
        cast(lead_time as integer) as lead_time_days,
        cast(review_period as integer) as review_period_days,
        {{ money('price') }} as price,
        {{ money('cost_price') }} as cost_price,

        ---------- booleans
        coalesce(removed, false) as is_removed,

        ---------- timestamps
        created_at,
        updated_at

    from source

)

select * from renamed
