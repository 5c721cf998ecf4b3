"""Stock: offers that sell what the ERP does not hold, ranked by oversell risk, with the
evidence ops need, and the offers without an ERP item or items without an offer."""

import streamlit as st

from dashboards import queries, ui
from dashboards.data import load

STOCK_TYPES = ("stock_mismatch", "unmapped_offer", "missing_offer", "planning_stock_drift")

st.title("Stock")
titles = ui.type_titles()
# Planning drift exists only where the project knows a planning tool.
stock_types = [kind for kind in STOCK_TYPES if kind in titles]
filters = ui.exception_filters("stock", stock_types)
wanted = filters.types or stock_types

if "stock_mismatch" in wanted:
    mismatches = load(queries.stock_mismatches, filters)
    oversold = mismatches[mismatches["oversell_units"] > 0]
    first, second, third = st.columns(3)
    first.metric("Stock mismatches", len(mismatches), border=True)
    second.metric("Offers overselling", len(oversold), border=True)
    third.metric(
        "Units over ERP availability", f"{oversold['oversell_units'].sum():,.0f}", border=True
    )
    st.subheader(titles.get("stock_mismatch", "Stock mismatches"))
    st.caption(
        "In the order to fix them: oversell risk = units Mirakl shows beyond what the ERP can "
        "ship × units sold per day (the planning tool's forecast when one is landed, else the "
        "last 28 days on Mirakl). Offers showing less than the ERP holds risk lost sales, not "
        "oversell, and come last. Stock units are the ERP's (a case counts once); Mirakl "
        "quantities are sellable units."
    )
    ui.runbook("stock_mismatch", titles.get("stock_mismatch"))
    ui.table(
        mismatches,
        key="stock-mismatch",
        file_name="stock-mismatches",
        columns=[
            "rank", "shop_sku", "product_title", "severity", "mirakl_quantity", "erp_available",
            "oversell_units", "sales_velocity_per_day", "oversell_risk_score", "days_of_cover",
            "units_sold_28d", "velocity_source", "on_hand_stock_units", "committed_stock_units",
            "units_per_stock_unit", "safety_stock", "stock_counted_at", "amount_at_risk",
            "currency",
        ],
        money_columns=["amount_at_risk"],
    )  # fmt: skip

if "unmapped_offer" in wanted:
    st.subheader(titles.get("unmapped_offer", "Unmapped offers"))
    ui.runbook("unmapped_offer", titles.get("unmapped_offer"))
    ui.table(
        load(queries.unmapped_offers, filters),
        key="unmapped-offer",
        file_name="unmapped-offers",
        money_columns=["price", "amount_at_risk"],
    )

if "missing_offer" in wanted:
    st.subheader(titles.get("missing_offer", "Missing offers"))
    ui.runbook("missing_offer", titles.get("missing_offer"))
    ui.table(load(queries.missing_offers, filters), key="missing-offer", file_name="missing-offers")

if "planning_stock_drift" in wanted:
    st.subheader(titles["planning_stock_drift"])
    ui.runbook("planning_stock_drift", titles["planning_stock_drift"])
    drifts = load(queries.planning_stock_drifts, filters)
    if drifts.empty:
        st.caption("The planning tool agrees with the ERP (or no planning tool is landed).")
    else:
        ui.table(
            drifts,
            key="planning-drift",
            file_name="planning-stock-drift",
            money_columns=["amount_at_risk"],
        )

with st.expander("Every offer beside the ERP", icon=":material/table:"):
    ui.table(
        load(queries.stock_positions),
        key="positions",
        file_name="stock-positions",
        money_columns=["price"],
    )
