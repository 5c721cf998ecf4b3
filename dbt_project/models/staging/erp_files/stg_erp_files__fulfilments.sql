with

source as (

    select * from {{ source('erp_files', 'fulfilments') }}

),

renamed as (

    select
        ---------- ids
        fulfilment_id,
        erp_order_id,
        marketplace_order_id,
        tracking_number,

        ---------- strings
        carrier as erp_carrier,

        ---------- timestamps
        shipped_at

    from source

)

select * from renamed
