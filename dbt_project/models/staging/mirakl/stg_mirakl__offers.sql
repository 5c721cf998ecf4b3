with

source as (

    select * from {{ source('mirakl', 'offers') }}

),

renamed as (

    select
        ---------- ids
        offer_id,
        shop_sku,
        product_sku,

        ---------- strings
        product_title,
        currency_iso_code as currency,
        state_code as offer_condition_code,

        ---------- numerics
        quantity,
        {{ money('price') }} as price,
        leadtime_to_ship,

        ---------- booleans
        active as is_active

    from source

)

select * from renamed
