with

source as (

    select * from {{ source('business_central', 'customer_return_reasons') }}

),

renamed as (

    select
        ---------- ids
        id as return_reason_id,
        code as return_reason_code,

        ---------- strings
        nullif(description, '') as reason

    from source

)

select * from renamed
