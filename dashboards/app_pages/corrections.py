"""Corrections: the writeback plan to review, and the approval that lets `recon writeback apply`
send a correction to Mirakl. Approving writes to the approvals inbox beside the warehouse,
never to the warehouse itself, so it works while a run holds the warehouse."""

import pandas as pd
import streamlit as st

from dashboards import queries, ui
from dashboards.data import current_reader, load, tables
from writeback.approvals import APPROVABLE, ApprovalError, pending_approvals, record_approval

st.title("Corrections")
present = tables()
if "writeback.corrections" not in present:
    ui.nothing_yet(
        "No correction planned yet: `recon writeback plan` proposes the corrections Mirakl can "
        "take (stock imports, order acceptance, tracking and shipping, refunds), and they "
        "appear here for approval."
    )
    st.stop()

warehouse = current_reader().snapshot.warehouse
statuses = load(queries.correction_statuses)
if statuses.empty:
    ui.nothing_yet("No correction planned yet: the last plan found nothing writeback can fix.")
    st.stop()
columns = st.columns(len(statuses))
for column, (_, row) in zip(columns, statuses.iterrows(), strict=True):
    column.metric(str(row["status"]).capitalize(), int(row["corrections"]), border=True)

with st.sidebar:
    st.subheader("Filters")
    chosen_statuses = st.multiselect(
        "Status", list(statuses["status"]), key="corrections-status", placeholder="All statuses"
    )
plan = load(queries.corrections, tuple(chosen_statuses))
st.subheader("The plan")
ui.table(
    plan,
    key="corrections",
    file_name="corrections",
    columns=[
        "status", "action", "exception_type", "entity_id", "summary", "severity",
        "amount_at_risk", "currency", "reason", "approved_by", "approved_at", "applied_at",
        "mirakl_reference", "last_error", "correction_id",
    ],
    money_columns=["amount_at_risk"],
)  # fmt: skip

st.subheader("Approve")
st.caption(
    "Approved corrections are sent by the next `recon writeback apply`, exactly once. "
    "A failed correction can be approved again to retry it."
)
inbox = {approval.correction_id: approval for approval in pending_approvals(warehouse)}
approvable = load(queries.corrections, APPROVABLE)
approvable = approvable[~approvable["correction_id"].isin(inbox)]
if approvable.empty:
    st.caption("No correction waits for approval.")
else:
    labels = {
        row["correction_id"]: (
            f"{row['action']} · {row['exception_type']} · {row['entity_id']}"
            f" · {row['summary'] or ''} ({row['status']})"
        )
        for _, row in approvable.iterrows()
    }
    with st.form("approve"):
        chosen = st.multiselect(
            "Corrections to approve", list(labels), format_func=labels.get, key="approve-ids"
        )
        approver = st.text_input("Approved by", key="approve-by", placeholder="your name or e-mail")
        submitted = st.form_submit_button("Approve", type="primary", key="approve-submit")
    if submitted:
        try:
            recorded = record_approval(warehouse, chosen, approver, via="dashboard")
        except ApprovalError as error:
            st.error(str(error))
        else:
            st.success(
                f"{len(recorded)} correction(s) approved by {recorded[0].approved_by}; "
                "the next `recon writeback apply` sends them to Mirakl."
            )
            inbox.update({approval.correction_id: approval for approval in recorded})

if inbox:
    st.markdown("**Approved, waiting for the next apply**")
    ui.table(
        pd.DataFrame(
            [
                {
                    "correction_id": approval.correction_id,
                    "approved_by": approval.approved_by,
                    "approved_at": approval.approved_at,
                    "via": approval.via,
                }
                for approval in inbox.values()
            ]
        ),
        key="inbox",
        file_name="approvals-waiting",
    )

st.subheader("Audit trail")
if not plan.empty:
    labels = {
        row["correction_id"]: f"{row['action']} · {row['entity_id']} ({row['status']})"
        for _, row in plan.iterrows()
    }
    correction_id = st.selectbox(
        "Correction", list(labels), format_func=labels.get, key="audit-correction"
    )
    left, right = st.columns(2)
    with left:
        st.markdown("**Calls to Mirakl**")
        if "writeback.attempts" in present:
            attempts = load(queries.correction_attempts, correction_id)
            if attempts.empty:
                st.caption("Not sent yet.")
            else:
                ui.table(attempts, key="attempts", file_name=f"attempts-{correction_id}")
    with right:
        st.markdown("**Approvals**")
        if "writeback.approvals" in present:
            approvals = load(queries.correction_approvals, correction_id)
            if approvals.empty:
                st.caption("Not approved yet.")
            else:
                ui.table(approvals, key="approvals", file_name=f"approvals-{correction_id}")
