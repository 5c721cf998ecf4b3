{{ config(materialized='view') }}

select * from {{ erp_ref('sales_order_lines') }}
