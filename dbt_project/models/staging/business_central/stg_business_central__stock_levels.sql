with

source as (

    select * from {{ source('business_central', 'item_location_stocks') }}

),

renamed as (

    select
        ---------- ids
        item_number as sku,
        location_code as location,

        ---------- numerics
        {{ units('inventory') }} as on_hand,
        {{ units('qty_on_sales_order') }} as committed,

        ---------- timestamps
        {# The page shows stock as it stands; it last changed at its lastModifiedDateTime. #}
        last_modified_date_time as counted_at

    from source

)

select * from renamed
