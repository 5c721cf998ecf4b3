with

source as (

    select * from {{ source('business_central', 'sales_credit_memos') }}

),

renamed as (

    select
        ---------- ids
        id as sales_credit_memo_id,
        number as refund_id,
        nullif(invoice_number, '') as invoice_number,
        nullif(external_document_number, '') as marketplace_order_id,
        nullif(
            customer_return_reason_id, '00000000-0000-0000-0000-000000000000'
        ) as return_reason_id,

        ---------- strings
        status,
        currency_code as currency,

        ---------- numerics
        {{ money('total_amount_including_tax') }} as amount,

        ---------- booleans
        {# Draft and In Review memos are not posted; a cancelled one refunds nothing. #}
        status not in ('Draft', 'In Review', 'Canceled') as is_refund,

        ---------- timestamps
        {# A posted memo is not edited afterwards, so its last change is its posting. #}
        last_modified_date_time as created_at

    from source

)

select * from renamed
