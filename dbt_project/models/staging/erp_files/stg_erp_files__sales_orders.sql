with

source as (

    select * from {{ source('erp_files', 'sales_orders') }}

),

renamed as (

    select
        ---------- ids
        erp_order_id,
        marketplace_order_id,

        ---------- strings
        status,
        currency,

        ---------- numerics
        {{ money('total_amount') }} as total_amount,

        ---------- timestamps
        created_at

    from source

)

select * from renamed
