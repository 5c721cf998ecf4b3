with

source as (

    select * from {{ source('business_central', 'sales_shipments') }}

),

renamed as (

    select
        ---------- ids
        id as sales_shipment_id,
        number as fulfilment_id,
        nullif(order_number, '') as erp_order_id,
        nullif(external_document_number, '') as marketplace_order_id,

        ---------- timestamps
        {{ utc_start_of_day('posting_date') }} as posted_on_day_at,
        last_modified_date_time as last_modified_at

    from source

)

select * from renamed
