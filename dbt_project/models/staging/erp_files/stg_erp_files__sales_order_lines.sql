with

source as (

    select * from {{ source('erp_files', 'sales_order_lines') }}

),

renamed as (

    select
        ---------- ids
        erp_order_id,
        line_number,
        sku,

        ---------- numerics
        {{ units('quantity') }} as quantity,
        {{ money('unit_price') }} as unit_price,
        {{ money('line_amount') }} as line_amount

    from source

)

select * from renamed
