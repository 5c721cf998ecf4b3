{#- BigCommerce V2 orders. status_id maps onto the canonical statuses: still to ship is open,
    Shipped is fulfilled, Completed and (partially) Refunded are closed, Incomplete, Cancelled
    and Declined are cancelled. -#}

with

source as (

    select * from {{ source('bigcommerce', 'orders') }}

),

renamed as (

    select
        ---------- ids
        cast(id as varchar) as erp_order_id,
        external_order_id as marketplace_order_id,

        ---------- strings
        case
            when status_id = 2 then 'fulfilled'
            when status_id in (4, 10, 14) then 'closed'
            when status_id in (0, 5, 6) then 'cancelled'
            else 'open'
        end as status,
        currency_code as currency,

        ---------- numerics
        {{ money('total_inc_tax') }} as total_amount,

        ---------- timestamps
        date_created as created_at

    from source

)

select * from renamed
