with

source as (

    select * from {{ source('business_central', 'items') }}

),

renamed as (

    select
        ---------- ids
        id as item_id,
        number as sku,

        ---------- strings
        display_name as description,
        nullif(base_unit_of_measure_code, '') as stock_uom,

        ---------- timestamps
        last_modified_date_time as last_modified_at

    from source

)

select * from renamed
