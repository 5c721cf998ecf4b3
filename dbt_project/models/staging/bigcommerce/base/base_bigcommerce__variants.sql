with

source as (

    select * from {{ source('bigcommerce', 'variants') }}

),

renamed as (

    select
        ---------- ids
        variant_id,
        product_id,
        sku,
        shop_sku,

        ---------- strings
        product_name,
        option_label,
        stock_uom,
        inventory_tracking,

        ---------- numerics
        cast(units_per_stock_unit as integer) as units_per_stock_unit,
        {{ money('price') }} as price,

        ---------- booleans
        is_marketplace_listed,
        purchasing_disabled,

        ---------- timestamps
        product_date_modified

    from source

)

select * from renamed
