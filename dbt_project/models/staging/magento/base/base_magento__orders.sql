with

source as (

    select * from {{ source('magento', 'orders') }}

),

renamed as (

    select
        ---------- ids
        entity_id as order_entity_id,
        increment_id,
        ext_order_id,

        ---------- strings
        state,
        order_currency_code

    from source

)

select * from renamed
