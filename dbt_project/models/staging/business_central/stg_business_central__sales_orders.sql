{#- Business Central holds a sales order while it is open or shipped, and deletes it once it is
    shipped and invoiced (or cancelled). The orders it still holds come from salesOrders; the
    others from their posted invoices, as closed (cancelled when the invoice was). -#}

with

open_orders as (

    select * from {{ ref('base_business_central__sales_orders') }}

),

invoices as (

    select * from {{ ref('base_business_central__sales_invoices') }}
    where is_posted

),

invoiced_orders as (

    select
        {# An invoice made without an order stands for its own order. #}
        coalesce(erp_order_id, invoice_number) as erp_order_id,
        max(marketplace_order_id) as marketplace_order_id,
        case when min(case when is_cancelled then 1 else 0 end) = 1
            then 'cancelled' else 'closed'
        end as status,
        max(currency) as currency,
        sum(case when is_cancelled then 0 else total_amount end) as total_amount,
        min(invoiced_at) as created_at
    from invoices
    group by coalesce(erp_order_id, invoice_number)

),

unioned as (

    select
        erp_order_id,
        marketplace_order_id,
        status,
        currency,
        total_amount,
        created_at
    from open_orders

    union all

    select
        erp_order_id,
        marketplace_order_id,
        status,
        currency,
        total_amount,
        created_at
    from invoiced_orders
    where erp_order_id not in (select erp_order_id from open_orders)

),

final as (

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

    from unioned

)

select * from final
