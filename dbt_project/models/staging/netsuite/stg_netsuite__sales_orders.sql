with

source as (

    select * from {{ source('netsuite', 'sales_orders') }}

),

renamed as (

    select
        ---------- ids
        tran_id as erp_order_id,
        marketplace_order_id,

        ---------- strings
        {# SalesOrd status letters; an unknown letter passes through and fails the
           accepted-values test rather than being guessed. #}
        case status
            when 'A' then 'open'
            when 'B' then 'open'
            when 'D' then 'open'
            when 'E' then 'open'
            when 'F' then 'fulfilled'
            when 'G' then 'fulfilled'
            when 'H' then 'closed'
            when 'C' then 'cancelled'
            else status
        end as status,
        currency,

        ---------- numerics
        {{ money('total_amount') }} as total_amount,

        ---------- timestamps
        created_at

    from source

)

select * from renamed
