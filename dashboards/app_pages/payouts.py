"""Payouts: each billing cycle's transaction lines against the payout, the bank deposit and the
ERP ledger, the legs that differ, and the drill-down finance needs for the month-end close."""

import altair as alt
import streamlit as st

from dashboards import queries, ui
from dashboards.data import load

LEGS = {
    "payout_minus_lines": "payout − lines",
    "deposit_minus_transferred": "bank deposit − transferred",
    "ledger_minus_mirakl": "ERP ledger − Mirakl",
}
MONEY = [
    "lines_amount", "payment_amount", "amount_transferred_to_seller", "deposit_amount",
    "mirakl_order_net", "erp_order_net", *LEGS, "transferred_minus_lines", "variance_at_risk",
]  # fmt: skip

st.title("Payouts")
titles = ui.type_titles()
with st.sidebar:
    st.subheader("Filters")
    paid_from, paid_to = ui.date_range("payouts", "Paid out")

cycles = load(queries.payout_cycles, paid_from, paid_to)
with_variance = cycles[cycles["legs_off"].notna()]
first, second, third = st.columns(3)
first.metric("Paid billing cycles", len(cycles), border=True)
second.metric("Cycles that do not reconcile", len(with_variance), border=True)
at_risk = with_variance.groupby("currency", as_index=False)["variance_at_risk"].sum()
third.metric(
    "Largest differences, summed",
    ui.money_per_currency(at_risk, amount="variance_at_risk"),
    border=True,
)

st.subheader("Billing cycles")
ui.runbook("payout_variance", titles.get("payout_variance"))
ui.table(
    cycles,
    key="cycles",
    file_name=f"payout-reconciliation-{paid_from or 'start'}-{paid_to or 'now'}",
    columns=[
        "paid_out_at", "payout_reference", "currency", "legs_off", "severity", *LEGS,
        "lines_amount", "payment_amount", "amount_transferred_to_seller", "deposit_amount",
        "deposit_received_at", "mirakl_order_net", "erp_order_net",
    ],
    money_columns=MONEY,
)  # fmt: skip

if not cycles.empty:
    st.subheader("Variance per cycle")
    legs = cycles.assign(paid_on=cycles["paid_out_at"].dt.strftime("%Y-%m-%d")).melt(
        id_vars=["payout_reference", "paid_on", "currency"],
        value_vars=list(LEGS),
        var_name="leg",
        value_name="difference",
    )
    legs["leg"] = legs["leg"].map(LEGS)
    st.altair_chart(
        alt.Chart(ui.for_chart(legs, ["difference"]))
        .mark_bar()
        .encode(
            x=alt.X("paid_on:O", title="Paid out on"),
            xOffset="leg:N",
            y=alt.Y("difference:Q", title="Difference"),
            color=alt.Color("leg:N", title="Leg"),
            tooltip=[
                "payout_reference",
                "leg",
                "currency",
                alt.Tooltip("difference:Q", format=",.2f"),
            ],
        )
    )

    st.subheader("Drill-down")
    # Cycles that do not reconcile first (largest difference first), labelled with the legs off.
    labels = {
        row["payout_reference"]: (
            f"{row['payout_reference']} – does not reconcile: {row['legs_off']}"
            if isinstance(row["legs_off"], str)
            else f"{row['payout_reference']} – reconciles"
        )
        for _, row in cycles.sort_values(
            "variance_at_risk", ascending=False, na_position="last"
        ).iterrows()
    }
    chosen = st.selectbox(
        "Billing cycle", list(labels), format_func=labels.get, key="payouts-cycle"
    )
    references = dict(zip(cycles["payout_reference"], cycles["billing_cycle_id"], strict=True))
    cycle_id = references[chosen]
    lines_column, orders_column = st.columns(2)
    with lines_column:
        st.markdown("**Transaction lines by type**")
        ui.table(
            load(queries.payout_lines_by_type, cycle_id),
            key="lines-by-type",
            file_name=f"{chosen}-lines-by-type",
            money_columns=["amount_credited", "amount_debited", "amount"],
        )
    with orders_column:
        st.markdown("**Orders: Mirakl vs ERP ledger at the payout**")
        only_differing = st.toggle("Only orders that differ", value=True, key="payouts-differing")
        orders = load(queries.payout_orders, cycle_id, only_differing)
        if orders.empty and only_differing:
            st.caption("Every order of this cycle agrees with the ledger.")
        else:
            ui.table(
                orders,
                key="orders",
                file_name=f"{chosen}-orders",
                money_columns=["mirakl_order_net", "erp_order_net", "ledger_minus_mirakl"],
            )
else:
    ui.nothing_yet("No billing cycle was paid out in this period.")
