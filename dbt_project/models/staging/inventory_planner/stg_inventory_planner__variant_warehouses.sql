with

source as (

    select * from {{ source('inventory_planner', 'variants__warehouse') }}

),

renamed as (

    select
        ---------- ids
        variant_id,
        id as warehouse_id,

        ---------- strings
        name as warehouse_name,

        ---------- numerics
        {{ units('in_stock') }} as in_stock_units

    from source

)

select * from renamed
