with

source as (

    select * from {{ source('business_central', 'marketplace_items') }}

),

renamed as (

    select
        ---------- ids
        number as sku,
        nullif(mirakl_shop_sku, '') as mirakl_shop_sku,

        ---------- numerics
        cast(units_per_base_unit as integer) as units_per_stock_unit,
        {{ units('safety_stock_quantity') }} as safety_stock,

        ---------- booleans
        marketplace_listed as is_marketplace_listed,

        ---------- timestamps
        last_modified_date_time as last_modified_at

    from source

)

select * from renamed
