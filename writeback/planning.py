"""Planning: from the open exceptions to corrections, each with the exact requests it will send.

- stock_mismatch → STO01: a stock import of the expected quantity (never OF24, which resets
  every field it is not sent), when that quantity is a whole number;
- unacknowledged_order → OR21 accepting every waiting line, only when the ERP holds the order
  (not cancelled) and its available-to-sell covers every line;
- fulfilled_not_shipped → OR23 tracking with the mapped carrier code, then OR24 ship, when the
  order left in one parcel whose carrier maps to a code Mirakl lists (SH21);
- refund_not_mirrored → OR28 refunding what the ERP refunded beyond Mirakl, line by line, when
  a REFUND reason (RE01) fits, there are no taxes to split and the lines can take the amount.

Anything else becomes `route_to_person` with a readable reason. Each correction records what
Mirakl showed when it was planned (`observed`), so an interrupted send can later tell our change
from somebody else's.

The correction id is a hash of the exception, the action, the requests and the observed state:
the same drift seen the same way always yields the same id, so an approval binds to exactly
what was shown, and a correction is never planned (or sent) twice.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import duckdb

from writeback import jsontext
from writeback.settings import CORRECTION_TYPES, WritebackSettings
from writeback.store import (
    APPROVED,
    PLANNED,
    REPLACEABLE,
    ROUTE_TO_PERSON,
    ROUTED,
    SCHEMA,
    SUPERSEDED,
    insert_correction,
    update_correction,
)

CENT = Decimal("0.01")
AUTO_APPROVER = "auto-approve policy"
# Mirakl takes OR28 refunds on orders in these states (refunds after CLOSED are refused).
REFUNDABLE_LINE_STATES = ("SHIPPING", "SHIPPED", "TO_COLLECT", "RECEIVED", "INCIDENT_OPEN")


@dataclass(frozen=True)
class PlannedCorrection:
    exception_id: str
    exception_type: str
    entity_id: str
    action: str
    requests: tuple[dict[str, Any], ...]
    observed: dict[str, Any]
    summary: str
    reason: str | None = None
    amount_at_risk: Decimal | None = None
    currency: str | None = None

    @property
    def payload(self) -> dict[str, Any]:
        return {"requests": list(self.requests)}

    @property
    def correction_id(self) -> str:
        key = jsontext.dumps(
            {
                "exception_id": self.exception_id,
                "action": self.action,
                "payload": self.payload,
                "observed": self.observed,
                "reason": self.reason,
            }
        )
        return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


@dataclass(frozen=True)
class OpenException:
    exception_id: str
    exception_type: str
    entity_id: str
    amount_at_risk: Decimal | None
    currency: str | None
    details: dict[str, Any]


# --- reading the warehouse --------------------------------------------------------------------


def _exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return (
        con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = ? and table_name = ?",
            [schema, table],
        ).fetchone()[0]
        > 0
    )


def _dicts(con: duckdb.DuckDBPyConnection, sql: str, params: Iterable[Any] = ()) -> list[dict]:
    cursor = con.execute(sql, list(params))
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def open_exceptions(con: duckdb.DuckDBPyConnection) -> list[OpenException]:
    if not _exists(con, "main", "exceptions"):
        return []
    types = list(CORRECTION_TYPES)
    rows = con.execute(
        "select exception_id, exception_type, entity_id, amount_at_risk, currency, details "
        f"from main.exceptions where status = 'open' and exception_type in "
        f"({', '.join('?' for _ in types)}) order by exception_type, entity_id",
        types,
    ).fetchall()
    return [
        OpenException(
            exception_id=row[0],
            exception_type=row[1],
            entity_id=row[2],
            amount_at_risk=row[3],
            currency=row[4],
            details=jsontext.loads(row[5]) or {},
        )
        for row in rows
    ]


@dataclass
class Landed:
    """The slices of the warehouse the rules need, read once per plan."""

    stock: dict[str, dict[str, Any]] = field(default_factory=dict)
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    lines: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    refunds: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    cancelations: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    taxed_lines: set[str] = field(default_factory=set)
    erp_orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    fulfilments: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    erp_refunds: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    refund_reasons: list[dict[str, Any]] = field(default_factory=list)


def _by(rows: list[dict], key: str) -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        grouped[str(row[key])].append(row)
    return dict(grouped)


def read_landed(con: duckdb.DuckDBPyConnection, exceptions: list[OpenException]) -> Landed:
    landed = Landed()
    skus = [e.entity_id for e in exceptions if e.exception_type == "stock_mismatch"]
    order_ids = [e.entity_id for e in exceptions if e.exception_type != "stock_mismatch"]
    if skus and _exists(con, "ops", "stock_positions"):
        landed.stock = {
            row["shop_sku"]: row
            for row in _dicts(
                con,
                "select shop_sku, offer_id, mirakl_quantity, expected_quantity "
                "from ops.stock_positions where shop_sku in (select unnest(?))",
                [skus],
            )
        }
    if not order_ids:
        return landed
    in_orders = "in (select unnest(?))"
    landed.orders = {
        row["order_id"]: row
        for row in _dicts(
            con,
            "select order_id, order_state, currency_iso_code, shipping_carrier_code, "
            f"shipping_tracking from mirakl.orders where order_id {in_orders}",
            [order_ids],
        )
    }
    landed.lines = _by(
        _dicts(
            con,
            "select order_id, order_line_id, order_line_index, order_line_state, offer_sku, "
            "quantity, price, shipping_price from mirakl.orders__order_lines "
            f"where order_id {in_orders} order by order_id, order_line_index",
            [order_ids],
        ),
        "order_id",
    )
    if _exists(con, "ops", "stock_positions"):
        # The offers ordered: an acceptance needs their available-to-sell.
        for row in _dicts(
            con,
            "select shop_sku, offer_id, mirakl_quantity, expected_quantity "
            "from ops.stock_positions where shop_sku in ("
            f"select offer_sku from mirakl.orders__order_lines where order_id {in_orders})",
            [order_ids],
        ):
            landed.stock[row["shop_sku"]] = row
    for kind, target in (("refunds", landed.refunds), ("cancelations", landed.cancelations)):
        if _exists(con, "mirakl", f"orders__order_lines__{kind}"):
            target.update(
                _by(
                    _dicts(
                        con,
                        "select id, order_line_id, amount, shipping_amount "
                        f"from mirakl.orders__order_lines__{kind} where order_id {in_orders} "
                        "order by id",
                        [order_ids],
                    ),
                    "order_line_id",
                )
            )
    for taxes in ("taxes", "shipping_taxes"):
        if _exists(con, "mirakl", f"orders__order_lines__{taxes}"):
            landed.taxed_lines.update(
                row[0]
                for row in con.execute(
                    "select distinct lines.order_line_id from mirakl.orders__order_lines lines "
                    f"join mirakl.orders__order_lines__{taxes} taxes "
                    "on taxes._dlt_parent_id = lines._dlt_id "
                    f"where lines.order_id {in_orders} and taxes.amount <> 0",
                    [order_ids],
                ).fetchall()
            )
    if _exists(con, "ops", "order_reconciliation"):
        landed.erp_orders = {
            row["order_id"]: row
            for row in _dicts(
                con,
                "select order_id, erp_order_id, erp_status, erp_refund_currency, "
                "erp_refunded_amount, mirakl_refunded_amount, currency "
                f"from ops.order_reconciliation where order_id {in_orders}",
                [order_ids],
            )
        }
    if _exists(con, "intermediate", "int_fulfilments_mapped_to_carriers"):
        landed.fulfilments = _by(
            _dicts(
                con,
                "select marketplace_order_id, fulfilment_id, shipped_at, erp_carrier, "
                "tracking_number, mirakl_carrier_code, is_carrier_mapped, "
                "is_code_known_to_mirakl from intermediate.int_fulfilments_mapped_to_carriers "
                f"where marketplace_order_id {in_orders} order by shipped_at, fulfilment_id",
                [order_ids],
            ),
            "marketplace_order_id",
        )
    if _exists(con, "intermediate", "int_erp__refunds"):
        landed.erp_refunds = _by(
            _dicts(
                con,
                "select marketplace_order_id, refund_id, reason, amount, created_at "
                f"from intermediate.int_erp__refunds where marketplace_order_id {in_orders} "
                "order by created_at, refund_id",
                [order_ids],
            ),
            "marketplace_order_id",
        )
    if _exists(con, "mirakl", "reasons"):
        landed.refund_reasons = _dicts(
            con,
            "select code, label from mirakl.reasons "
            "where type = 'REFUND' and coalesce(is_shop_right, true)",
        )
    return landed


# --- the rules --------------------------------------------------------------------------------


def _routed(exception: OpenException, why: str, **observed: Any) -> PlannedCorrection:
    return PlannedCorrection(
        exception_id=exception.exception_id,
        exception_type=exception.exception_type,
        entity_id=exception.entity_id,
        action=ROUTE_TO_PERSON,
        requests=(),
        observed=observed,
        summary="needs a person",
        reason=why,
        amount_at_risk=exception.amount_at_risk,
        currency=exception.currency,
    )


def _correction(
    exception: OpenException,
    requests: list[dict[str, Any]],
    observed: dict[str, Any],
    summary: str,
) -> PlannedCorrection:
    return PlannedCorrection(
        exception_id=exception.exception_id,
        exception_type=exception.exception_type,
        entity_id=exception.entity_id,
        action=CORRECTION_TYPES[exception.exception_type],
        requests=tuple(requests),
        observed=observed,
        summary=summary,
        amount_at_risk=exception.amount_at_risk,
        currency=exception.currency,
    )


def _whole(value: Any) -> int | None:
    if value is None:
        return None
    number = Decimal(str(value))
    return int(number) if number == number.to_integral_value() else None


def plan_stock(exception: OpenException, landed: Landed, _: WritebackSettings) -> PlannedCorrection:
    sku = exception.entity_id
    position = landed.stock.get(sku)
    if position is None:
        return _routed(exception, f"no stock position for offer {sku} in ops.stock_positions")
    current = _whole(position["mirakl_quantity"])
    expected = _whole(position["expected_quantity"])
    if expected is None or expected < 0:
        return _routed(
            exception,
            f"the expected quantity {position['expected_quantity']} of {sku} is not a whole "
            "number of units; check units_per_stock_unit and safety_stock in the ERP",
            quantity=current,
        )
    row = {"offer-sku": sku, "quantity": expected, "warehouse-code": "", "update-delete": "update"}
    return _correction(
        exception,
        [{"operation": "STO01", "method": "POST", "path": "/offers/stock/imports", "row": row}],
        {"quantity": current},
        f"stock of {sku} on Mirakl: {current} → {expected}",
    )


def plan_acceptance(
    exception: OpenException, landed: Landed, _: WritebackSettings
) -> PlannedCorrection:
    order_id = exception.entity_id
    order = landed.orders.get(order_id)
    if order is None:
        return _routed(exception, f"order {order_id} is not in the landed Mirakl data")
    state = order["order_state"]
    if state != "WAITING_ACCEPTANCE":
        return _routed(exception, f"order {order_id} is {state}, not WAITING_ACCEPTANCE")
    erp = landed.erp_orders.get(order_id) or {}
    if not erp.get("erp_order_id"):
        return _routed(
            exception,
            f"the ERP holds no sales order for {order_id}: check the order before accepting it",
            order_state=state,
        )
    if erp.get("erp_status") == "cancelled":
        return _routed(
            exception,
            f"the ERP cancelled its order {erp['erp_order_id']}: decide whether to refuse "
            f"{order_id} on Mirakl",
            order_state=state,
        )
    waiting = [
        line
        for line in landed.lines.get(order_id, [])
        if line["order_line_state"] == "WAITING_ACCEPTANCE"
    ]
    if not waiting:
        return _routed(exception, f"order {order_id} has no line waiting for acceptance")
    needed: dict[str, int] = defaultdict(int)
    for line in waiting:
        needed[line["offer_sku"]] += int(line["quantity"] or 0)
    short = []
    for sku, quantity in sorted(needed.items()):
        position = landed.stock.get(sku)
        available = None if position is None else position["expected_quantity"]
        if available is None or Decimal(str(available)) < quantity:
            has = "no stock position" if available is None else f"{available:f} to sell"
            short.append(f"{sku} needs {quantity}, the ERP has {has}")
    if short:
        return _routed(
            exception,
            f"stock does not cover order {order_id} ({'; '.join(short)}): accept or refuse it "
            "by hand",
            order_state=state,
        )
    body = {"order_lines": [{"accepted": True, "id": line["order_line_id"]} for line in waiting]}
    return _correction(
        exception,
        [
            {
                "operation": "OR21",
                "method": "PUT",
                "path": f"/orders/{order_id}/accept",
                "body": body,
            }
        ],
        {"order_state": state},
        f"accept order {order_id} ({len(waiting)} line(s), ERP order {erp['erp_order_id']})",
    )


def plan_shipping(
    exception: OpenException, landed: Landed, _: WritebackSettings
) -> PlannedCorrection:
    order_id = exception.entity_id
    order = landed.orders.get(order_id)
    if order is None:
        return _routed(exception, f"order {order_id} is not in the landed Mirakl data")
    state = order["order_state"]
    observed = {
        "order_state": state,
        "shipping_carrier_code": order["shipping_carrier_code"],
        "shipping_tracking": order["shipping_tracking"],
    }
    if state != "SHIPPING":
        return _routed(exception, f"order {order_id} is {state}, not SHIPPING", **observed)
    parcels = landed.fulfilments.get(order_id, [])
    trackings = sorted({(p["tracking_number"] or "").strip() for p in parcels})
    if not parcels:
        return _routed(exception, f"no ERP fulfilment found for {order_id}", **observed)
    if len(trackings) > 1:
        return _routed(
            exception,
            f"{order_id} left in {len(trackings)} parcels; OR23 takes one tracking number: "
            "ship it with multi-shipment (ST01) or in the back office",
            **observed,
        )
    parcel = parcels[0]
    carrier = parcel["erp_carrier"]
    if not parcel["is_carrier_mapped"]:
        return _routed(
            exception,
            f"the ERP carrier {carrier!r} has no Mirakl code in reference.carrier_map",
            **observed,
        )
    if not parcel["is_code_known_to_mirakl"]:
        return _routed(
            exception,
            f"carrier {carrier!r} maps to {parcel['mirakl_carrier_code']!r}, which Mirakl does "
            "not list (SH21)",
            **observed,
        )
    tracking = trackings[0]
    if not tracking:
        return _routed(exception, f"the ERP fulfilment of {order_id} has no tracking number")
    code = parcel["mirakl_carrier_code"]
    requests = []
    if (order["shipping_carrier_code"], order["shipping_tracking"]) != (code, tracking):
        requests.append(
            {
                "operation": "OR23",
                "method": "PUT",
                "path": f"/orders/{order_id}/tracking",
                "body": {"carrier_code": code, "tracking_number": tracking},
            }
        )
    requests.append({"operation": "OR24", "method": "PUT", "path": f"/orders/{order_id}/ship"})
    return _correction(
        exception,
        requests,
        observed,
        f"tracking {code} {tracking}, then ship {order_id}"
        if len(requests) == 2
        else f"ship {order_id} (Mirakl has its tracking {code} {tracking})",
    )


def _refund_reason(
    exception: OpenException, landed: Landed, settings: WritebackSettings
) -> tuple[str | None, str]:
    """The RE01 REFUND reason: the one labelled as the ERP's latest refund reason, else the
    configured default. Returns (code, what was matched)."""
    codes = {str(reason["code"]): reason for reason in landed.refund_reasons}
    erp_reasons = [r["reason"] for r in landed.erp_refunds.get(exception.entity_id, [])]
    wanted = next((r for r in reversed(erp_reasons) if r), None)
    if wanted:
        for reason in landed.refund_reasons:
            if str(reason["label"] or "").strip().lower() == wanted.strip().lower():
                return str(reason["code"]), f"ERP reason {wanted!r}"
    default = settings.default_refund_reason
    if default is not None and str(default) in codes:
        return str(default), "the configured default_refund_reason"
    return None, wanted or "(none)"


def plan_refund(
    exception: OpenException, landed: Landed, settings: WritebackSettings
) -> PlannedCorrection:
    order_id = exception.entity_id
    order = landed.orders.get(order_id)
    erp = landed.erp_orders.get(order_id)
    if order is None or erp is None:
        return _routed(exception, f"order {order_id} is not in the landed data")
    currency = order["currency_iso_code"]
    if erp.get("erp_refund_currency") and erp["erp_refund_currency"] != currency:
        return _routed(
            exception,
            f"the ERP refunded in {erp['erp_refund_currency']}, the order is in {currency}",
        )
    missing = Decimal(str(erp["erp_refunded_amount"] or 0)) - Decimal(
        str(erp["mirakl_refunded_amount"] or 0)
    )
    missing = missing.quantize(CENT, rounding=ROUND_HALF_UP)
    lines = landed.lines.get(order_id, [])
    observed = {
        "order_state": order["order_state"],
        "refund_ids": sorted(
            str(refund["id"])
            for line in lines
            for refund in landed.refunds.get(line["order_line_id"], [])
        ),
    }
    if missing <= 0:
        return _routed(exception, f"nothing left to refund on {order_id}", **observed)
    code, matched = _refund_reason(exception, landed, settings)
    if code is None:
        return _routed(
            exception,
            f"no RE01 REFUND reason matches the ERP's reason {matched}; set "
            "[writeback] default_refund_reason to one of "
            + ", ".join(f"{r['code']} ({r['label']})" for r in landed.refund_reasons),
            **observed,
        )
    taxed = [line["order_line_id"] for line in lines if line["order_line_id"] in landed.taxed_lines]
    if taxed:
        return _routed(
            exception,
            f"order {order_id} carries taxes; OR28 needs their split per line: refund it in the "
            "back office",
            **observed,
        )
    refunds = []
    left = missing
    # Line by line in Mirakl's order, the item price before its shipping: how an ERP credit
    # note for "line 1, shipping included" lands on Mirakl's lines.
    for line in lines:
        if left <= 0:
            break
        taken = landed.refunds.get(line["order_line_id"], []) + landed.cancelations.get(
            line["order_line_id"], []
        )
        price_left = Decimal(str(line["price"] or 0)) - sum(
            (Decimal(str(t["amount"] or 0)) for t in taken), Decimal(0)
        )
        shipping_left = Decimal(str(line["shipping_price"] or 0)) - sum(
            (Decimal(str(t["shipping_amount"] or 0)) for t in taken), Decimal(0)
        )
        amount = min(left, max(price_left, Decimal(0)))
        shipping = min(left - amount, max(shipping_left, Decimal(0)))
        if amount + shipping <= 0:
            continue
        left -= amount + shipping
        refunds.append(
            {
                "amount": amount.quantize(CENT),
                "currency_iso_code": currency,
                "order_line_id": line["order_line_id"],
                "reason_code": code,
                "shipping_amount": shipping.quantize(CENT),
            }
        )
    if left > 0:
        return _routed(
            exception,
            f"the ERP refunded {missing} {currency} more than Mirakl shows, but only "
            f"{missing - left} is still refundable on the order's lines",
            **observed,
        )
    return _correction(
        exception,
        [
            {
                "operation": "OR28",
                "method": "PUT",
                "path": "/orders/refund",
                "body": {"refunds": refunds},
            }
        ],
        observed,
        f"refund {missing} {currency} on {order_id} over {len(refunds)} line(s), "
        f"reason {code} ({matched})",
    )


RULES: dict[str, Callable[[OpenException, Landed, WritebackSettings], PlannedCorrection]] = {
    "stock_mismatch": plan_stock,
    "unacknowledged_order": plan_acceptance,
    "fulfilled_not_shipped": plan_shipping,
    "refund_not_mirrored": plan_refund,
}


def build_plan(
    con: duckdb.DuckDBPyConnection, settings: WritebackSettings
) -> list[PlannedCorrection]:
    """The corrections the open exceptions call for now (reads only)."""
    exceptions = open_exceptions(con)
    landed = read_landed(con, exceptions)
    return [RULES[e.exception_type](e, landed, settings) for e in exceptions]


# --- keeping writeback.corrections in step with the plan ------------------------------------


@dataclass(frozen=True)
class PlanChanges:
    added: tuple[str, ...]
    auto_approved: tuple[str, ...]
    superseded: tuple[str, ...]


def refresh_plan(
    con: duckdb.DuckDBPyConnection, settings: WritebackSettings, now: dt.datetime
) -> PlanChanges:
    """Insert new corrections, supersede those the plan no longer wants; never touch one that
    is in flight or settled (sending, submitted, applied, refused)."""
    planned = build_plan(con, settings)
    wanted = {correction.correction_id: correction for correction in planned}
    existing = dict(
        con.execute(f"select correction_id, status from {SCHEMA}.corrections").fetchall()
    )
    added, auto, superseded = [], [], []
    con.execute("begin transaction")
    try:
        for correction_id, correction in wanted.items():
            if correction_id in existing:
                continue
            routed = correction.action == ROUTE_TO_PERSON
            approve = not routed and correction.exception_type in settings.auto_approve
            insert_correction(
                con,
                correction_id=correction_id,
                exception_id=correction.exception_id,
                exception_type=correction.exception_type,
                entity_id=correction.entity_id,
                action=correction.action,
                payload=correction.payload,
                observed=correction.observed,
                summary=correction.summary,
                status=ROUTED if routed else APPROVED if approve else PLANNED,
                reason=correction.reason,
                amount_at_risk=correction.amount_at_risk,
                currency=correction.currency,
                approved_by=AUTO_APPROVER if approve else None,
                approved_at=now if approve else None,
                created_at=now,
                updated_at=now,
            )
            added.append(correction_id)
            if approve:
                auto.append(correction_id)
        replaceable = ", ".join(f"'{status}'" for status in REPLACEABLE)
        stale = con.execute(
            f"select correction_id, exception_id from {SCHEMA}.corrections "
            f"where status in ({replaceable})"
        ).fetchall()
        open_ids = {correction.exception_id for correction in planned}
        for correction_id, exception_id in stale:
            if correction_id in wanted:
                continue
            why = (
                "its exception is no longer open"
                if exception_id not in open_ids
                else "the exception changed; a new correction replaces it"
            )
            update_correction(con, correction_id, status=SUPERSEDED, reason=why, updated_at=now)
            superseded.append(correction_id)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return PlanChanges(tuple(added), tuple(auto), tuple(superseded))
