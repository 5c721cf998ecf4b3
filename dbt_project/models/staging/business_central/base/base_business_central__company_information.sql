with

source as (

    select * from {{ source('business_central', 'company_information') }}

),

renamed as (

    select
        ---------- ids
        id as company_information_id,

        ---------- strings
        display_name as company_name,
        currency_code as local_currency

    from source

)

select * from renamed
