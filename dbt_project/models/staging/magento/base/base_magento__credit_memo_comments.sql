with

source as (

    select * from {{ source_if_landed('magento', 'credit_memos__comments', {
        'entity_id': 'bigint',
        'parent_id': 'bigint',
        'comment': dbt.type_string(),
    }) }}

),

renamed as (

    select
        ---------- ids
        entity_id as comment_entity_id,
        parent_id as credit_memo_entity_id,

        ---------- strings
        comment,

        ---------- numerics
        row_number() over (
            partition by parent_id order by entity_id
        ) as comment_position

    from source

)

select * from renamed
