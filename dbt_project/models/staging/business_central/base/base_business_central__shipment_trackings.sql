with

source as (

    select * from {{ source('business_central', 'shipment_trackings') }}

),

renamed as (

    select
        ---------- ids
        number as fulfilment_id,
        nullif(package_tracking_number, '') as tracking_number,

        ---------- strings
        {# The shipping agent's name is what carrier_map knows; its code when it has none. #}
        coalesce(
            nullif(shipping_agent_name, ''), nullif(shipping_agent_code, '')
        ) as erp_carrier,

        ---------- timestamps
        system_created_at as shipped_at,
        last_modified_date_time as last_modified_at

    from source

)

select * from renamed
