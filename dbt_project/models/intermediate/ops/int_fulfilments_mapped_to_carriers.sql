{#- Each ERP fulfilment with the Mirakl carrier code its carrier maps to (carrier_map seed,
    matched case-insensitively after trimming) and whether Mirakl knows that code (SH21). -#}

with

fulfilments as (

    select * from {{ ref('int_erp__fulfilments') }}
    where shipped_at <= {{ as_of() }}

),

carrier_map as (

    select
        lower(trim(erp_carrier)) as carrier_key,
        trim(mirakl_carrier_code) as mirakl_carrier_code
    from {{ ref('carrier_map') }}

),

carriers as (

    select carrier_code from {{ ref('stg_mirakl__carriers') }}

)

select
    fulfilments.fulfilment_id,
    fulfilments.erp_order_id,
    fulfilments.marketplace_order_id,
    fulfilments.shipped_at,
    fulfilments.erp_carrier,
    fulfilments.tracking_number,
    carrier_map.mirakl_carrier_code,
    carrier_map.mirakl_carrier_code is not null as is_carrier_mapped,
    carriers.carrier_code is not null as is_code_known_to_mirakl
from fulfilments
left join carrier_map on carrier_map.carrier_key = lower(trim(fulfilments.erp_carrier))
left join carriers on carriers.carrier_code = carrier_map.mirakl_carrier_code
