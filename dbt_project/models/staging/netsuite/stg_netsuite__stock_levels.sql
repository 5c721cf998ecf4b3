with

source as (

    select * from {{ source('netsuite', 'stock_levels') }}

),

renamed as (

    select
        ---------- ids
        sku,
        location,

        ---------- numerics
        {{ units('on_hand') }} as on_hand,
        {{ units('committed') }} as committed,

        ---------- timestamps
        counted_at

    from source

)

select * from renamed
