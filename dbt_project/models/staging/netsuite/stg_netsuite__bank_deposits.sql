with

source as (

    select * from {{ source('netsuite', 'deposits') }}

),

renamed as (

    select
        ---------- ids
        tran_id as deposit_id,
        payout_reference,

        ---------- strings
        currency,

        ---------- numerics
        {{ money('amount') }} as amount,

        ---------- timestamps
        {# The deposit date is a date only; the deposit is recorded when the money arrives. #}
        created_at as received_at

    from source
    where not coalesce(is_voided, false)

)

select * from renamed
