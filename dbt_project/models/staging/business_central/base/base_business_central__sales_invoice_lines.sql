with

source as (

    select * from {{ source_if_landed('business_central', 'sales_invoices__sales_invoice_lines', {
        'document_id': 'varchar',
        'sequence': 'bigint',
        'line_type': 'varchar',
        'line_object_number': 'varchar',
        'quantity': 'decimal(18, 4)',
        'unit_price': 'decimal(18, 4)',
        'amount_including_tax': 'decimal(18, 4)',
    }) }}

),

renamed as (

    select
        ---------- ids
        document_id as sales_invoice_id,
        sequence as line_number,
        line_object_number as sku,

        ---------- strings
        line_type,

        ---------- numerics
        {{ units('quantity') }} as quantity,
        {{ money('unit_price') }} as unit_price,
        {{ money('amount_including_tax') }} as line_amount

    from source

)

select * from renamed
