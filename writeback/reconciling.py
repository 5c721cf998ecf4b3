"""Reading back from Mirakl whether a send whose answer never came took effect.

A send is in doubt when the process died after marking it `sending`, or when Mirakl did not
answer (timeout, dropped connection) or answered 5xx. Before anything is sent again, Mirakl's
current state is compared with what the correction wants and with what Mirakl showed when the
correction was planned (`observed`):

- it shows what we sent: **applied** (never sent again);
- it still shows what was observed: **not applied** (safe to send again);
- it shows something else: **changed** by someone or something else; a person decides.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from writeback.store import CorrectionRow

APPLIED = "applied"
NOT_APPLIED = "not applied"
CHANGED = "changed"

ACCEPTED_STATES = (
    "WAITING_DEBIT",
    "WAITING_DEBIT_PAYMENT",
    "SHIPPING",
    "SHIPPED",
    "TO_COLLECT",
    "RECEIVED",
    "CLOSED",
)
SHIPPED_STATES = ("SHIPPED", "TO_COLLECT", "RECEIVED", "CLOSED")


@dataclass(frozen=True)
class Finding:
    verdict: str
    note: str


def _money(value: Any) -> Decimal:
    return Decimal(str(value)) if value is not None else Decimal(0)


def order_step(correction: CorrectionRow, step: str, order: Mapping[str, Any] | None) -> Finding:
    """What Mirakl's order (OR11) says about one step of an order correction."""
    order_id = correction.entity_id
    if order is None:
        return Finding(CHANGED, f"OR11 no longer lists order {order_id}")
    state = order.get("order_state")
    observed = correction.observed
    if step == "OR21":
        if state == "WAITING_ACCEPTANCE":
            return Finding(NOT_APPLIED, f"OR11 shows {order_id} still WAITING_ACCEPTANCE")
        if state in ACCEPTED_STATES and order.get("acceptance_decision_date"):
            return Finding(APPLIED, f"OR11 shows {order_id} accepted, now {state}")
        return Finding(CHANGED, f"OR11 shows {order_id} {state}, not accepted by us")
    if step == "OR23":
        body = correction.request_for("OR23")["body"]
        now = (order.get("shipping_carrier_code"), order.get("shipping_tracking"))
        if now == (body.get("carrier_code"), body.get("tracking_number")):
            return Finding(APPLIED, f"OR11 shows tracking {now[0]} {now[1]} on {order_id}")
        if now == (observed.get("shipping_carrier_code"), observed.get("shipping_tracking")):
            return Finding(NOT_APPLIED, f"OR11 shows no new tracking on {order_id}")
        return Finding(CHANGED, f"OR11 shows other tracking on {order_id}: {now[0]} {now[1]}")
    if step == "OR24":
        if state in SHIPPED_STATES:
            return Finding(APPLIED, f"OR11 shows {order_id} {state}")
        if state == "SHIPPING":
            return Finding(NOT_APPLIED, f"OR11 shows {order_id} still SHIPPING")
        return Finding(CHANGED, f"OR11 shows {order_id} {state}")
    if step == "OR28":
        return _refund(correction, order)
    raise ValueError(f"no read-back for step {step}")


def _refund(correction: CorrectionRow, order: Mapping[str, Any]) -> Finding:
    known = set(correction.observed.get("refund_ids") or [])
    new_by_line: dict[str, list[Mapping[str, Any]]] = {}
    for line in order.get("order_lines") or []:
        fresh = [r for r in line.get("refunds") or [] if str(r.get("id")) not in known]
        if fresh:
            new_by_line[str(line.get("order_line_id"))] = fresh
    wanted = correction.request_for("OR28")["body"]["refunds"]
    if not new_by_line:
        return Finding(NOT_APPLIED, f"OR11 shows no new refund on {correction.entity_id}")
    matched = []
    for entry in wanted:
        candidates = new_by_line.get(str(entry["order_line_id"]), [])
        hit = next(
            (
                refund
                for refund in candidates
                if _money(refund.get("amount")) == _money(entry["amount"])
                and _money(refund.get("shipping_amount")) == _money(entry["shipping_amount"])
                and str(refund.get("reason_code")) == str(entry["reason_code"])
            ),
            None,
        )
        if hit is None:
            break
        matched.append(str(hit.get("id")))
    if len(matched) == len(wanted):
        return Finding(APPLIED, f"OR11 shows refund(s) {', '.join(matched)}")
    return Finding(
        CHANGED,
        f"OR11 shows new refunds on {correction.entity_id} that are not the ones planned",
    )


def stock(correction: CorrectionRow, offer: Mapping[str, Any] | None) -> Finding:
    """What Mirakl's offer (OF21) says about a stock correction."""
    sku = correction.entity_id
    if offer is None:
        return Finding(CHANGED, f"OF21 no longer lists offer {sku}")
    quantity = offer.get("quantity")
    wanted = correction.request_for("STO01")["row"]["quantity"]
    if quantity == wanted:
        return Finding(APPLIED, f"OF21 shows {sku} at {quantity}")
    if quantity == correction.observed.get("quantity"):
        return Finding(NOT_APPLIED, f"OF21 shows {sku} still at {quantity}")
    return Finding(CHANGED, f"OF21 shows {sku} at {quantity}, neither planned nor observed")
