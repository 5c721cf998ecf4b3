with

source as (

    select * from {{ source('business_central', 'sales_orders') }}

),

renamed as (

    select
        ---------- ids
        id as sales_order_id,
        number as erp_order_id,
        nullif(external_document_number, '') as marketplace_order_id,

        ---------- strings
        case when fully_shipped then 'fulfilled' else 'open' end as status,
        currency_code as currency,

        ---------- numerics
        {{ money('total_amount_including_tax') }} as total_amount,

        ---------- timestamps
        {# BC keeps only the order date: its first instant (UTC), or the last change if that
           is earlier, so that an order dated ahead of UTC is never placed in the future. #}
        least(
            {{ utc_start_of_day('order_date') }}, last_modified_date_time
        ) as created_at

    from source

)

select * from renamed
