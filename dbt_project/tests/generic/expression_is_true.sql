{#- Fails on every row where the expression is false: arithmetic invariants as tests. -#}
{% test expression_is_true(model, expression) %}
select * from {{ model }} where not ({{ expression }})
{% endtest %}
