"""Overview: the open queue by type, owner and severity, money at risk, the trend across runs,
and whether each source is syncing."""

import altair as alt
import pandas as pd
import streamlit as st

from dashboards import queries, ui
from dashboards.data import load, tables

st.title("Overview")
titles = ui.type_titles()
filters = ui.exception_filters("overview", sorted(titles))

totals = load(queries.open_totals, filters).iloc[0]
at_risk = load(queries.money_at_risk, filters)
open_count, critical_count = int(totals["open_count"]), int(totals["critical_count"])

# Money at risk gets the room: it may list several currencies.
columns = st.columns([1, 1, 2.2, 1.2, 1.4])
columns[0].metric("Open exceptions", open_count, border=True)
columns[1].metric("Critical", critical_count, border=True)
columns[2].metric("Money at risk", ui.money_per_currency(at_risk), border=True)
columns[3].metric(
    "Past their deadline",
    int(totals["past_deadline_count"]),
    border=True,
    help="Open exceptions whose Mirakl deadline had passed when the run evaluated them.",
)
columns[4].metric("Next deadline", ui.utc(totals["next_deadline_at"], short=True), border=True)

st.subheader("Open exceptions by type")
by_type = load(queries.open_by_type, filters)
ui.table(
    by_type,
    key="by-type",
    file_name="open-exceptions-by-type",
    money_columns=["amount_at_risk"],
)

left, right = st.columns(2)
with left:
    st.subheader("By owner and severity")
    breakdown = load(queries.open_by_owner_and_severity, filters)
    if breakdown.empty:
        st.caption("No open exception matches the filters.")
    else:
        st.altair_chart(
            alt.Chart(breakdown)
            .mark_bar()
            .encode(
                x=alt.X("owner:N", title="Owner"),
                y=alt.Y("open_count:Q", title="Open exceptions"),
                color=alt.Color(
                    "severity:N",
                    sort=list(queries.SEVERITIES),
                    scale=alt.Scale(
                        domain=list(queries.SEVERITIES),
                        range=["#b71c1c", "#ef6c00", "#f9a825", "#90a4ae"],
                    ),
                ),
                order=alt.Order("severity_rank:Q"),
                tooltip=["owner", "severity", "open_count"],
            )
            .transform_calculate(
                severity_rank="indexof(['critical','high','medium','low'], datum.severity)"
            ),
        )
        ui.table(breakdown, key="owner-severity", file_name="open-exceptions-by-owner-severity")

with right:
    st.subheader("Trend across runs")
    if "monitoring.exception_history" not in tables():
        ui.nothing_yet(
            "No run history yet: each `recon run` records the open exceptions it leaves, "
            "and the trend appears after the first one."
        )
    else:
        trend = load(queries.exception_trend, filters)
        if trend.empty:
            st.caption("No recorded run matches the filters.")
        else:
            counts = trend.groupby(["as_of", "owner"], as_index=False)["open_count"].sum()
            st.altair_chart(
                alt.Chart(ui.for_chart(counts, ["open_count"]))
                .mark_area(opacity=0.8)
                .encode(
                    x=alt.X("as_of:T", title="Run (as of, UTC)"),
                    y=alt.Y("open_count:Q", title="Open exceptions", stack=True),
                    color=alt.Color("owner:N", title="Owner"),
                    tooltip=["as_of:T", "owner", "open_count"],
                )
            )
            money = (
                trend.dropna(subset=["currency"])
                .groupby(["as_of", "currency"], as_index=False)["amount_at_risk"]
                .sum()
            )
            st.altair_chart(
                alt.Chart(ui.for_chart(money, ["amount_at_risk"]))
                .mark_line(point=True)
                .encode(
                    x=alt.X("as_of:T", title="Run (as of, UTC)"),
                    y=alt.Y("amount_at_risk:Q", title="Money at risk"),
                    color=alt.Color("currency:N", title="Currency"),
                    tooltip=["as_of:T", "currency", alt.Tooltip("amount_at_risk:Q", format=",.2f")],
                )
            )
            ui.table(
                trend,
                key="trend",
                file_name="exception-trend",
                money_columns=["amount_at_risk"],
            )

st.subheader("Sync health")
loads_column, freshness_column = st.columns(2)
with loads_column:
    st.markdown("**Last successful load per source**")
    datasets = load(queries.load_datasets)["dataset"]
    if datasets.empty:
        ui.nothing_yet("No source has been loaded yet.")
    else:
        loads = pd.concat(
            [load(queries.last_loads, dataset) for dataset in datasets], ignore_index=True
        )
        ui.table(loads, key="loads", file_name="source-loads")
with freshness_column:
    st.markdown("**Freshness against its threshold**")
    if "ops.source_freshness" not in tables():
        ui.nothing_yet("Freshness appears once `recon transform` has built ops.source_freshness.")
    else:
        freshness = load(queries.source_freshness)
        stale = int(freshness["is_stale"].sum())
        if stale:
            st.error(
                f"{stale} source(s) older than their threshold", icon=":material/sync_problem:"
            )
        else:
            st.success("Every source is within its threshold", icon=":material/sync:")
        ui.table(freshness, key="freshness", file_name="source-freshness")
        ui.runbook("stale_source", titles.get("stale_source"))

if "monitoring.pipeline_runs" in tables():
    runs = load(queries.pipeline_runs, 1)
    if not runs.empty:
        last = runs.iloc[0]
        finished = ui.utc(last["finished_at"])
        note = f"Last run (`recon {last['command']}`) {last['status']} at {finished}"
        if last["status"] == "failed":
            st.error(f"{note}, at the {last['failed_step']} step: {last['error']}")
        elif last["status"] == "breached":
            st.warning(f"{note}: a critical expectation failed (see Run history).")
        else:
            st.caption(note)

st.subheader("The queue")
queue = load(queries.open_exceptions, filters)
st.caption(f"{len(queue)} open exception(s), most urgent first.")
ui.table(
    queue,
    key="queue",
    file_name="open-exceptions",
    columns=[
        "severity",
        "exception_type",
        "entity_id",
        "owner",
        "deadline_at",
        "amount_at_risk",
        "currency",
        "first_detected_at",
        "details",
    ],
    money_columns=["amount_at_risk"],
)
chosen = st.selectbox(
    "Runbook for",
    sorted(queue["exception_type"].unique()) or sorted(titles),
    format_func=lambda kind: f"{kind} – {titles.get(kind, '')}",
    key="overview-runbook",
)
if chosen:
    ui.runbook(chosen, titles.get(chosen), expanded=True)
