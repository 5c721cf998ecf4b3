with

source as (

    select * from {{ source('erp_files', 'refunds') }}

),

renamed as (

    select
        ---------- ids
        refund_id,
        erp_order_id,
        marketplace_order_id,

        ---------- strings
        currency,
        reason,

        ---------- numerics
        {{ money('amount') }} as amount,

        ---------- timestamps
        created_at

    from source

)

select * from renamed
