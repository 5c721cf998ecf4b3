with

source as (

    select * from {{ source('mirakl_operator', 'offers') }}

),

renamed as (

    select
        ---------- ids
        offer_id,
        shop_id,
        shop_sku,
        product_sku,

        ---------- strings
        shop_name,
        currency_iso_code as currency,
        state_code,

        ---------- numerics
        cast(quantity as integer) as quantity,
        {{ money('origin_price') }} as origin_price,
        {{ money('coalesce(discount_price, origin_price)') }} as price,

        ---------- booleans
        coalesce(active, false) as is_active,
        coalesce(deleted, false) as is_deleted,

        ---------- timestamps
        date_created as created_at,
        last_updated as last_updated_at

    from source

)

select * from renamed
