"""mirakl-recon's exception queue: `recon dashboard` starts it with `streamlit run`.

This entrypoint is the frame around every page: navigation, the snapshot the data comes
from, and one read batch per script run. It only ever reads the published read snapshot.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import streamlit as st

from dashboards import queries, ui
from dashboards.data import load, reading, tables
from dashboards.snapshot import current_snapshot, warehouse_from_argv

# How often an open page checks whether a run published a newer snapshot (one stat call).
SNAPSHOT_POLL = dt.timedelta(seconds=5)

st.set_page_config(
    page_title="mirakl-recon · exception queue", page_icon=":material/rule:", layout="wide"
)

# Pages live in app_pages/, not pages/: Streamlit treats a pages/ folder beside the entrypoint
# as its legacy multipage layout and would run a page without this frame around it.
page = st.navigation(
    {
        "Exception queue": [
            st.Page("app_pages/overview.py", title="Overview", icon=":material/dashboard:"),
            st.Page("app_pages/orders.py", title="Orders", icon=":material/shopping_cart:"),
            st.Page("app_pages/stock.py", title="Stock", icon=":material/inventory_2:"),
            st.Page("app_pages/payouts.py", title="Payouts", icon=":material/payments:"),
        ],
        "Runs": [
            st.Page("app_pages/run_history.py", title="Run history", icon=":material/history:"),
            st.Page("app_pages/corrections.py", title="Corrections", icon=":material/task_alt:"),
        ],
    }
)

warehouse = warehouse_from_argv()
snapshot = current_snapshot(warehouse)


@st.fragment(run_every=SNAPSHOT_POLL)
def follow_new_snapshots(shown: tuple[str, int, int, int] | None, warehouse: Path) -> None:
    """Redraw the whole page once a run has published a newer snapshot."""
    latest = current_snapshot(warehouse)
    if (latest.identity if latest else None) != shown:
        st.rerun(scope="app")


with st.sidebar:
    follow_new_snapshots(snapshot.identity if snapshot else None, warehouse)

if snapshot is None:
    st.title(page.title)
    st.warning(
        f"No run has published a read snapshot of {warehouse} yet. "
        "Run `recon run` (or `make demo`); this page shows it as soon as the run ends."
    )
    st.stop()

with reading(snapshot):
    if "main.exceptions" not in tables():
        st.title(page.title)
        st.warning(
            "The published snapshot holds no exceptions yet: the last run did not build the "
            "drift models. Run `recon run` (or `recon transform`)."
        )
        st.stop()
    as_of = load(queries.run_as_of)["as_of"].iloc[0]
    with st.sidebar:
        st.caption(
            f"Snapshot published **{ui.utc(snapshot.published_at)}**  \n"
            f"Rules evaluated as of {ui.utc(as_of)}  \n"
            f"Warehouse `{warehouse.name}`"
        )
    page.run()
