{#- Item lines of the orders Business Central still holds, and of the posted invoices of the
    orders it no longer holds (see stg_business_central__sales_orders). -#}

with

open_orders as (

    select * from {{ ref('base_business_central__sales_orders') }}

),

open_order_lines as (

    select * from {{ ref('base_business_central__sales_order_lines') }}

),

invoices as (

    select * from {{ ref('base_business_central__sales_invoices') }}
    where is_posted

),

invoice_lines as (

    select * from {{ ref('base_business_central__sales_invoice_lines') }}

),

unioned as (

    select
        open_orders.erp_order_id,
        open_order_lines.line_number,
        open_order_lines.sku,
        open_order_lines.line_type,
        open_order_lines.quantity,
        open_order_lines.unit_price,
        open_order_lines.line_amount
    from open_order_lines
    inner join open_orders
        on open_orders.sales_order_id = open_order_lines.sales_order_id

    union all

    select
        coalesce(invoices.erp_order_id, invoices.invoice_number) as erp_order_id,
        invoice_lines.line_number,
        invoice_lines.sku,
        invoice_lines.line_type,
        invoice_lines.quantity,
        invoice_lines.unit_price,
        invoice_lines.line_amount
    from invoice_lines
    inner join invoices
        on invoices.sales_invoice_id = invoice_lines.sales_invoice_id
    where coalesce(invoices.erp_order_id, invoices.invoice_number)
        not in (select erp_order_id from open_orders)

),

final as (

    select
        ---------- ids
        erp_order_id,
        line_number,
        sku,

        ---------- numerics
        quantity,
        unit_price,
        line_amount

    from unioned
    where line_type = 'Item'

)

select * from final
