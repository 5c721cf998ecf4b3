with

source as (

    select * from {{ source('magento', 'credit_memos') }}

),

renamed as (

    select
        ---------- ids
        entity_id as credit_memo_entity_id,
        increment_id,
        order_id as order_entity_id,

        ---------- strings
        order_currency_code,

        ---------- numerics
        {{ money('grand_total') }} as grand_total,

        ---------- timestamps
        created_at

    from source

)

select * from renamed
