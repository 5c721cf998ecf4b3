with

source as (

    select * from {{ source('mirakl', 'carriers') }}

),

renamed as (

    select
        code as carrier_code,
        label as carrier_label,
        standard_code,
        tracking_url

    from source

)

select * from renamed
