with

source as (

    select * from {{ source('magento', 'orders') }}

),

renamed as (

    select
        ---------- ids
        increment_id as erp_order_id,
        ext_order_id as marketplace_order_id,

        ---------- strings
        {# Magento's order state, in the canonical four: complete means invoiced and shipped,
           closed means fully refunded; new, processing, holded and the payment states are
           all still open. #}
        case state
            when 'canceled' then 'cancelled'
            when 'complete' then 'fulfilled'
            when 'closed' then 'closed'
            else 'open'
        end as status,
        order_currency_code as currency,

        ---------- numerics
        {{ money('grand_total') }} as total_amount,

        ---------- timestamps
        created_at

    from source

)

select * from renamed
