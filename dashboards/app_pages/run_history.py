"""Run history: the expectation results of every check run, the pass rate over time, and
how each pipeline run went."""

import altair as alt
import pandas as pd
import streamlit as st

from dashboards import queries, ui
from dashboards.data import load, tables

st.title("Run history")
present = tables()
with st.sidebar:
    st.subheader("Filters")
    started_from, started_to = ui.date_range("run-history", "Started")

st.subheader("Expectation checks")
if "monitoring.check_runs" not in present:
    ui.nothing_yet(
        "No check has run yet: `recon run` checks the warehouse with the Great Expectations "
        "suites after every build, and each run's results appear here."
    )
else:
    runs = load(queries.check_runs, started_from, started_to)
    if runs.empty:
        ui.nothing_yet("No check run started in this period.")
    else:
        last = runs.iloc[0]
        first, second, third, fourth = st.columns(4)
        first.metric("Last check run", ui.utc(last["started_at"], short=True), border=True)
        second.metric("Pass rate", f"{last['pass_rate_pct']}%", border=True)
        third.metric("Failed expectations", int(last["failed"]), border=True)
        fourth.metric("Critical failures", int(last["critical_failed"]), border=True)

        st.markdown("**Pass rate over time**")
        overall = runs.assign(suite="all suites")[["started_at", "suite", "pass_rate_pct"]]
        per_suite = load(queries.suite_pass_rates)
        per_suite = per_suite[per_suite["run_id"].isin(runs["run_id"])]
        trend = ui.for_chart(
            pd.concat([overall, per_suite[["started_at", "suite", "pass_rate_pct"]]]),
            ["pass_rate_pct"],
        )
        st.altair_chart(
            alt.Chart(trend)
            .mark_line(point=True)
            .encode(
                x=alt.X("started_at:T", title="Check run (UTC)"),
                y=alt.Y("pass_rate_pct:Q", title="Expectations passed (%)",
                        scale=alt.Scale(domain=[0, 100])),
                color=alt.Color("suite:N", title="Suite"),
                tooltip=["started_at:T", "suite", "pass_rate_pct"],
            )
        )  # fmt: skip
        ui.table(runs, key="check-runs", file_name="check-runs")

        st.markdown("**Results of one run**")
        labels = {
            row["run_id"]: f"{ui.utc(row['started_at'])} – {row['failed']} failed"
            for _, row in runs.iterrows()
        }
        run_id = st.selectbox("Check run", list(labels), format_func=labels.get, key="run-id")
        everything = load(queries.check_results, run_id, False, ())
        left, right = st.columns(2)
        only_failed = left.toggle("Only failed expectations", value=True, key="only-failed")
        severities = right.multiselect(
            "Severity",
            sorted(everything["severity"].dropna().unique()),
            key="check-severities",
            placeholder="All severities",
        )
        results = load(queries.check_results, run_id, only_failed, tuple(severities))
        if results.empty:
            st.success("Every expectation of this run passed.", icon=":material/check_circle:")
        else:
            ui.table(results, key="check-results", file_name=f"check-results-{run_id}")

        expectation = st.selectbox(
            "One expectation over time",
            sorted(everything["expectation"].unique()),
            key="expectation",
        )
        if expectation:
            ui.table(
                load(queries.expectation_history, expectation),
                key="expectation-history",
                file_name=f"expectation-{expectation}",
            )

st.subheader("Pipeline runs")
if "monitoring.pipeline_runs" not in present:
    ui.nothing_yet("No pipeline run recorded yet: `recon run` records each run here.")
else:
    ui.table(
        load(queries.pipeline_runs, 200),
        key="pipeline-runs",
        file_name="pipeline-runs",
        money_columns=["money_at_risk"],
    )
