{#- BigCommerce V3 refunds, with the marketplace order id and currency of their order. -#}

with

refunds as (

    select * from {{ source('bigcommerce', 'refunds') }}

),

orders as (

    select * from {{ ref('base_bigcommerce__orders') }}

),

joined as (

    select
        ---------- ids
        cast(refunds.id as varchar) as refund_id,
        cast(refunds.order_id as varchar) as erp_order_id,
        orders.external_order_id as marketplace_order_id,

        ---------- strings
        orders.currency_code as currency,
        refunds.reason,

        ---------- numerics
        {{ money('refunds.total_amount') }} as amount,

        ---------- timestamps
        refunds.created as created_at

    from refunds
    left join orders on orders.order_id = refunds.order_id

)

select * from joined
