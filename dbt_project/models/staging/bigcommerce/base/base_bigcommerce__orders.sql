with

source as (

    select * from {{ source('bigcommerce', 'orders') }}

),

renamed as (

    select
        ---------- ids
        id as order_id,
        external_order_id,

        ---------- strings
        currency_code

    from source

)

select * from renamed
