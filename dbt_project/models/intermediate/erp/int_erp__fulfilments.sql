{{ config(materialized='view') }}

select * from {{ erp_ref('fulfilments') }}
