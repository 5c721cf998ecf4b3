"""Orders: what stands between each Mirakl order and a clean fulfilment, deadline first."""

import streamlit as st

from dashboards import queries, ui
from dashboards.data import load

# What each kind of order exception needs beside it, in reading order.
COLUMNS = {
    "unacknowledged_order": [
        "order_id", "severity", "deadline_at", "hours_left_at_run", "ordered_at",
        "total_price", "currency", "erp_order_id", "erp_status",
    ],
    "fulfilled_not_shipped": [
        "order_id", "severity", "deadline_at", "hours_left_at_run", "first_shipped_at",
        "erp_carriers", "erp_tracking_numbers", "mirakl_tracking", "total_price", "currency",
    ],
    "order_missing_in_erp": [
        "order_id", "severity", "customer_debited_at", "deadline_at", "hours_left_at_run",
        "mirakl_state", "total_price", "currency",
    ],
    "premature_erp_order": [
        "order_id", "severity", "mirakl_state", "erp_order_id", "erp_status", "erp_created_at",
        "erp_total_amount", "currency",
    ],
    "refund_not_mirrored": [
        "order_id", "severity", "erp_refunded_amount", "mirakl_refunded_amount",
        "amount_at_risk", "currency", "erp_refund_count", "mirakl_refund_count", "erp_order_id",
    ],
    "carrier_code_unmapped": [
        "order_id", "severity", "erp_carriers", "erp_tracking_numbers", "deadline_at",
        "hours_left_at_run", "mirakl_carrier_code", "total_price", "currency",
    ],
    "order_amount_mismatch": [
        "order_id", "severity", "total_price", "erp_total_amount", "amount_at_risk", "currency",
        "erp_order_id", "erp_status",
    ],
}  # fmt: skip
MONEY = [
    "total_price",
    "erp_total_amount",
    "amount_at_risk",
    "erp_refunded_amount",
    "mirakl_refunded_amount",
]

st.title("Orders")
st.caption(
    "Hours left count from the run's as_of to Mirakl's deadline: auto-refusal for an order "
    "waiting acceptance, the shipping deadline for one to ship."
)
titles = ui.type_titles()
filters = ui.exception_filters("orders", queries.ORDER_EXCEPTION_TYPES)
shown_types = [kind for kind in queries.ORDER_EXCEPTION_TYPES if kind in (filters.types or COLUMNS)]

found = {kind: load(queries.order_exceptions, kind, filters) for kind in shown_types}
tabs = st.tabs([f"{titles.get(kind, kind)} ({len(found[kind])})" for kind in shown_types])
for tab, kind in zip(tabs, shown_types, strict=True):
    with tab:
        ui.runbook(kind, titles.get(kind))
        if found[kind].empty:
            st.success("Nothing open here.", icon=":material/check_circle:")
            continue
        ui.table(
            found[kind],
            key=kind,
            file_name=kind,
            columns=COLUMNS[kind],
            money_columns=MONEY,
        )
