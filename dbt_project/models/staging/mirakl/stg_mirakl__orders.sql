with

source as (

    select * from {{ source('mirakl', 'orders') }}

),

renamed as (

    select
        ---------- ids
        order_id,
        commercial_id,
        customer__customer_id as customer_id,

        ---------- strings
        order_state,
        order_state_reason_code,
        currency_iso_code as currency,
        payment_workflow,
        shipping_carrier_code,
        shipping_company,
        shipping_tracking,

        ---------- numerics
        {{ money('price') }} as price,
        {{ money('shipping_price') }} as shipping_price,
        {{ money('total_price') }} as total_price,
        {{ money('total_commission') }} as total_commission,
        leadtime_to_ship,

        ---------- booleans
        can_cancel,
        can_shop_ship as is_shippable_by_shop,
        has_incident,

        ---------- timestamps
        created_date as created_at,
        last_updated_date as last_updated_at,
        acceptance_decision_date as acceptance_decided_at,
        customer_debited_date as customer_debited_at,
        shipping_deadline as shipping_deadline_at

    from source

)

select * from renamed
