{{ config(materialized='view') }}

select * from {{ erp_ref('stock_levels') }}
