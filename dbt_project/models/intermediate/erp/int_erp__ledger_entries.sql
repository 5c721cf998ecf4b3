{{ config(materialized='view') }}

select * from {{ erp_ref('ledger_entries') }}
