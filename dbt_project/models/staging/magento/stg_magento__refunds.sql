{#- One row per credit memo: its grand total refunded, the order's ids, and the first comment
    as the reason (Magento credit memos have no reason field). -#}

with

credit_memos as (

    select * from {{ ref('base_magento__credit_memos') }}

),

comments as (

    select * from {{ ref('base_magento__credit_memo_comments') }}
    where comment_position = 1

),

orders as (

    select * from {{ ref('base_magento__orders') }}

),

joined as (

    select
        ---------- ids
        credit_memos.increment_id as refund_id,
        orders.increment_id as erp_order_id,
        orders.ext_order_id as marketplace_order_id,

        ---------- strings
        credit_memos.order_currency_code as currency,
        comments.comment as reason,

        ---------- numerics
        credit_memos.grand_total as amount,

        ---------- timestamps
        credit_memos.created_at

    from credit_memos
    left join comments
        on comments.credit_memo_entity_id = credit_memos.credit_memo_entity_id
    left join orders on orders.order_entity_id = credit_memos.order_entity_id

)

select * from joined
