with

source as (

    select * from {{ source('erp_files', 'bank_deposits') }}

),

renamed as (

    select
        ---------- ids
        deposit_id,
        reference as payout_reference,

        ---------- strings
        currency,

        ---------- numerics
        {{ money('amount') }} as amount,

        ---------- timestamps
        received_at

    from source

)

select * from renamed
