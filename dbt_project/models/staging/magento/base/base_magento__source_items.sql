with

source as (

    select * from {{ source('magento', 'source_items') }}

),

renamed as (

    select
        ---------- ids
        sku,
        source_code,

        ---------- numerics
        {{ units('quantity') }} as quantity,
        cast(status as integer) as source_item_status,

        ---------- timestamps
        pulled_at

    from source

)

select * from renamed
