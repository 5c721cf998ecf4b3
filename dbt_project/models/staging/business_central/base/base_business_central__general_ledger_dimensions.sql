with

source as (

    select * from {{ source_if_landed(
        'business_central', 'general_ledger_entries__dimension_set_lines', {
            'parent_id': 'varchar',
            'code': 'varchar',
            'value_code': 'varchar',
        }
    ) }}

),

renamed as (

    select
        ---------- ids
        parent_id as general_ledger_entry_id,
        code as dimension_code,
        value_code as dimension_value

    from source

)

select * from renamed
