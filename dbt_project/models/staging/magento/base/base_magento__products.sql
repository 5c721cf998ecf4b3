with

source as (

    select * from {{ source('magento', 'products') }}

),

renamed as (

    select
        ---------- ids
        id as product_id,
        sku,

        ---------- timestamps
        updated_at

    from source

)

select * from renamed
