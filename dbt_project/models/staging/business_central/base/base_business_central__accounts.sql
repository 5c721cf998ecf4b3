with

source as (

    select * from {{ source('business_central', 'accounts') }}

),

renamed as (

    select
        ---------- ids
        number as account_number,

        ---------- strings
        display_name as account_name,
        category as account_category,
        sub_category as account_subcategory

    from source

)

select * from renamed
