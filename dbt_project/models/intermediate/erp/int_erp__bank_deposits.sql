{{ config(materialized='view') }}

select * from {{ erp_ref('bank_deposits') }}
