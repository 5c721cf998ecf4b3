with

source as (

    select * from {{ source('mirakl', 'reasons') }}

),

renamed as (

    select
        code as reason_code,
        label as reason_label,
        type as reason_type,
        is_shop_right

    from source

)

select * from renamed
