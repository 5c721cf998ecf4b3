with

source as (

    select * from {{ source('business_central', 'sales_invoices') }}

),

renamed as (

    select
        ---------- ids
        id as sales_invoice_id,
        number as invoice_number,
        nullif(order_number, '') as erp_order_id,
        nullif(external_document_number, '') as marketplace_order_id,

        ---------- strings
        status,
        currency_code as currency,

        ---------- numerics
        {{ money('total_amount_including_tax') }} as total_amount,

        ---------- booleans
        {# Draft and In Review invoices are not posted yet. #}
        status not in ('Draft', 'In Review') as is_posted,
        status = 'Canceled' as is_cancelled,

        ---------- timestamps
        least(
            {{ utc_start_of_day('invoice_date') }}, last_modified_date_time
        ) as invoiced_at

    from source

)

select * from renamed
