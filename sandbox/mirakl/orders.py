"""Orders: OR11 (list), OR21 (accept/refuse), OR23 (tracking), OR24 (ship), OR28 (refund).

Error messages lead with the error code Mirakl documents for the case (e.g. ORDER_INVALID_STATE),
so a client can log something actionable; where Mirakl puts such codes in a body is not known.
A missing path resource (the order of OR21/23/24) is a 404; a missing resource named in a body
(the order line of OR28) is a 400, as any invalid body value.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import partial
from typing import Any

from sandbox.http import HTTPError, Request, Response, Router, json_response, no_content
from sandbox.jsonio import format_timestamp
from sandbox.mirakl import enums, params
from sandbox.mirakl.config import Context
from sandbox.mirakl.paging import offset_page
from sandbox.mirakl.params import sort_instant, within
from sandbox.mirakl.state import Item

MAX_ORDER_IDS = 100
CENT = Decimal("0.01")
# SH21 tracking URLs carry this placeholder for the tracking number.
TRACKING_PLACEHOLDER = "{trackingId}"


def register(router: Router, ctx: Context) -> None:
    router.add("GET", "/api/orders", partial(list_orders, ctx))
    router.add("PUT", "/api/orders/refund", partial(refund_lines, ctx))
    router.add("PUT", "/api/orders/{order_id}/accept", partial(accept_order, ctx))
    router.add("PUT", "/api/orders/{order_id}/tracking", partial(update_tracking, ctx))
    router.add("PUT", "/api/orders/{order_id}/ship", partial(ship_order, ctx))


# --- OR11 -------------------------------------------------------------------------------------


def list_orders(ctx: Context, request: Request) -> Response:
    query = request.query
    order_ids = set(params.values(query, "order_ids"))
    if len(order_ids) > MAX_ORDER_IDS:
        raise HTTPError(
            400, f"Invalid value for parameter 'order_ids': at most {MAX_ORDER_IDS} ids"
        )
    states = set(params.values(query, "order_state_codes", allowed=enums.ORDER_STATES))
    created_from = params.date_time(query, "start_date")
    created_to = params.date_time(query, "end_date")
    updated_from = params.date_time(query, "start_update_date")
    if updated_from is not None:
        # Mirakl widens the window itself so that no order is missed to latency.
        updated_from -= dt.timedelta(seconds=ctx.config.update_overlap_seconds)
    updated_to = params.date_time(query, "end_update_date")
    customer_debited = params.boolean(query, "customer_debited")
    has_incident = params.boolean(query, "has_incident")
    workflow = params.choice(query, "payment_workflow", enums.PAYMENT_WORKFLOWS | {""}, default="")
    channels = set(params.values(query, "channel_codes"))
    only_null_channel = params.boolean(query, "only_null_channel") is True
    refs_customer = set(params.values(query, "order_references_for_customer"))
    refs_seller = set(params.values(query, "order_references_for_seller"))
    params.choice(query, "sort", {"dateCreated"}, default="dateCreated")
    descending = params.choice(query, "order", {"asc", "desc"}, default="asc") == "desc"

    def wanted(order: Item) -> bool:
        channel = (order.get("channel") or {}).get("code")
        references = order.get("references") or {}
        return (
            (not order_ids or order.get("order_id") in order_ids)
            and (not states or order.get("order_state") in states)
            and within(order.get("created_date"), created_from, created_to)
            and within(order.get("last_updated_date"), updated_from, updated_to)
            and (
                customer_debited is None
                or (order.get("customer_debited_date") is not None) == customer_debited
            )
            and (has_incident is None or bool(order.get("has_incident")) == has_incident)
            and (not workflow or order.get("payment_workflow") == workflow)
            and (channel is None if only_null_channel else not channels or channel in channels)
            and (
                not refs_customer or references.get("order_reference_for_customer") in refs_customer
            )
            and (not refs_seller or references.get("order_reference_for_seller") in refs_seller)
        )

    rows = [order for order in ctx.state.orders.values() if wanted(order)]
    # dateCreated, then order id, as Mirakl documents the sort.
    rows.sort(
        key=lambda o: (sort_instant(o.get("created_date")), str(o.get("order_id") or "")),
        reverse=descending,
    )
    return offset_page(request, rows, "orders")


# --- shared -----------------------------------------------------------------------------------


def _order(ctx: Context, order_id: str) -> Item:
    order = ctx.state.orders.get(order_id)
    if order is None:
        raise HTTPError(404, f"ORDER_NOT_FOUND: order {order_id} does not exist")
    return order


def _touch(order: Item, stamp: str, lines: list[Item] | None = None) -> None:
    order["last_updated_date"] = stamp
    for line in lines or []:
        line["last_updated_date"] = stamp


def _body_object(request: Request) -> dict[str, Any]:
    body = request.json()
    if not isinstance(body, dict):
        raise HTTPError(400, "VALIDATION_ERROR: the request body must be a JSON object")
    return body


# --- OR21 -------------------------------------------------------------------------------------


def accept_order(ctx: Context, request: Request) -> Response:
    order_id = request.path_params["order_id"]
    order = _order(ctx, order_id)
    body = _body_object(request)
    decisions = body.get("order_lines")
    if not isinstance(decisions, list):
        raise HTTPError(400, "VALIDATION_ERROR: order_lines must be a list of {id, accepted}")
    if order.get("order_state") != "WAITING_ACCEPTANCE":
        raise HTTPError(
            400,
            f"ORDER_INVALID_STATE: order {order_id} is {order.get('order_state')}; "
            "only WAITING_ACCEPTANCE orders can be accepted or refused",
        )
    lines = {line["order_line_id"]: line for line in order.get("order_lines") or []}
    accepted: dict[str, bool] = {}
    for decision in decisions:
        if decision is None:
            raise HTTPError(400, "ORDER_LINE_NULL_ELEMENT: order_lines contains a null element")
        if (
            not isinstance(decision, dict)
            or not isinstance(decision.get("id"), str)
            or not isinstance(decision.get("accepted"), bool)
        ):
            raise HTTPError(
                400, "VALIDATION_ERROR: each order line needs an id (string) and accepted (boolean)"
            )
        line_id = decision["id"]
        if line_id in accepted:
            raise HTTPError(400, f"ORDER_LINE_DUPLICATE_ID: order line {line_id} appears twice")
        if line_id not in lines:
            raise HTTPError(
                400, f"ORDER_LINE_NOT_FOUND: order line {line_id} is not a line of {order_id}"
            )
        accepted[line_id] = decision["accepted"]
    waiting = [
        line_id
        for line_id, line in lines.items()
        if line.get("order_line_state") == "WAITING_ACCEPTANCE"
    ]
    missing = [line_id for line_id in waiting if line_id not in accepted]
    if missing:
        raise HTTPError(
            400,
            "ORDER_LINE_ACCEPTANCE_DECISION_MISSING: no decision for order line(s) "
            + ", ".join(missing),
        )

    stamp = format_timestamp(ctx.now())
    debited = ctx.config.auto_debit_on_accept
    accepted_state = "SHIPPING" if debited else "WAITING_DEBIT_PAYMENT"
    for line_id, is_accepted in accepted.items():
        line = lines[line_id]
        if is_accepted:
            line["order_line_state"] = accepted_state
            if debited:
                line["debited_date"] = stamp
        else:
            line["order_line_state"] = "REFUSED"
            line["can_refund"] = False
    order["acceptance_decision_date"] = stamp
    if any(accepted.values()):
        order["order_state"] = accepted_state
        if debited:
            order["customer_debited_date"] = stamp
        order["can_cancel"] = not debited
        order["can_shop_ship"] = debited
    else:
        order["order_state"] = "REFUSED"
        order["can_cancel"] = False
        order["can_shop_ship"] = False
    _touch(order, stamp, [lines[line_id] for line_id in accepted])
    return no_content()


# --- OR23 -------------------------------------------------------------------------------------


def update_tracking(ctx: Context, request: Request) -> Response:
    order_id = request.path_params["order_id"]
    order = _order(ctx, order_id)
    body = _body_object(request)
    fields = {}
    for name in (
        "carrier_code",
        "carrier_name",
        "carrier_standard_code",
        "carrier_url",
        "tracking_number",
    ):
        value = body.get(name)
        if value is not None and not isinstance(value, str):
            raise HTTPError(400, f"VALIDATION_ERROR: {name} must be a string")
        fields[name] = value or None
    if order.get("order_state") not in enums.TRACKING_ORDER_STATES:
        raise HTTPError(
            400,
            f"ORDER_INVALID_STATE: order {order_id} is {order.get('order_state')}; "
            "tracking can be set on SHIPPING or SHIPPED orders only",
        )
    tracking_number = fields["tracking_number"]
    if fields["carrier_code"] is not None:
        code = fields["carrier_code"]
        carrier = next((c for c in ctx.state.carriers if c.get("code") == code), None)
        if carrier is None:
            raise HTTPError(
                400,
                f"Unknown carrier_code {code!r}: use a code listed by SH21 "
                "(GET /api/shipping/carriers), or send carrier_name for an unregistered carrier",
            )
        template = carrier.get("tracking_url")
        if template and TRACKING_PLACEHOLDER in template and not tracking_number:
            raise HTTPError(
                400, f"tracking_number is mandatory for carrier {code}: its URL needs one"
            )
        url = template.replace(TRACKING_PLACEHOLDER, tracking_number or "") if template else None
        order.update(
            shipping_carrier_code=code,
            shipping_carrier_standard_code=carrier.get("standard_code"),
            shipping_company=carrier.get("label"),
            shipping_tracking=tracking_number,
            shipping_tracking_url=url,
        )
    elif fields["carrier_name"] is not None:
        order.update(
            shipping_carrier_code=None,
            shipping_carrier_standard_code=fields["carrier_standard_code"],
            shipping_company=fields["carrier_name"],
            shipping_tracking=tracking_number,
            shipping_tracking_url=fields["carrier_url"],
        )
    else:
        raise HTTPError(
            400,
            "carrier_code is mandatory for a registered carrier, "
            "carrier_name for an unregistered one",
        )
    _touch(order, format_timestamp(ctx.now()))
    return no_content()


# --- OR24 -------------------------------------------------------------------------------------


def ship_order(ctx: Context, request: Request) -> Response:
    order_id = request.path_params["order_id"]
    order = _order(ctx, order_id)
    if order.get("order_state") != "SHIPPING":
        raise HTTPError(
            400,
            f"ORDER_INVALID_STATE: order {order_id} is {order.get('order_state')}; "
            "only SHIPPING orders can be shipped",
        )
    stamp = format_timestamp(ctx.now())
    shipped = [
        line
        for line in order.get("order_lines") or []
        if line.get("order_line_state") == "SHIPPING"
    ]
    for line in shipped:
        line["order_line_state"] = "SHIPPED"
        line["shipped_date"] = stamp
    order["order_state"] = "SHIPPED"
    order["can_shop_ship"] = False
    order["can_cancel"] = False
    _touch(order, stamp, shipped)
    return no_content()


# --- OR28 -------------------------------------------------------------------------------------


def _decimal(value: Any, name: str) -> Decimal:
    # Mirakl's own OR28 example sends tax amounts as strings, so numeric strings pass too.
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
        raise HTTPError(400, f"Error with field {name}. Please check the field datatype.")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise HTTPError(400, f"Error with field {name}. Please check the field datatype.") from None
    if not number.is_finite():
        raise HTTPError(400, f"Error with field {name}. Please check the field datatype.")
    return number


def _money(value: Any) -> Decimal:
    return Decimal(str(value)) if value is not None else Decimal(0)


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _amount_list(entry: dict[str, Any], name: str) -> list[dict[str, Any]] | None:
    items = entry.get(name)
    if items is None:
        return None
    if not isinstance(items, list) or not all(
        isinstance(item, dict) and isinstance(item.get("code"), str) for item in items
    ):
        raise HTTPError(400, f"Error with field {name}. Please check the field datatype.")
    return [{"amount": _decimal(item.get("amount"), name), "code": item["code"]} for item in items]


def _refunded(line: Item, field: str) -> Decimal:
    return sum(
        (
            _money(item.get(field))
            for key in ("refunds", "cancelations")
            for item in line.get(key) or []
        ),
        Decimal(0),
    )


def _refund_reason_codes(ctx: Context) -> set[str]:
    return {
        str(reason["code"])
        for reason in ctx.state.reasons
        if reason.get("type") == enums.REFUND_REASON_TYPE
    }


def refund_lines(ctx: Context, request: Request) -> Response:
    body = _body_object(request)
    entries = body.get("refunds")
    if not isinstance(entries, list) or not entries:
        raise HTTPError(400, "VALIDATION_ERROR: refunds must be a non-empty list")
    tax_mode = body.get("order_tax_mode")
    if tax_mode is not None and tax_mode not in ("TAX_INCLUDED", "TAX_EXCLUDED"):
        raise HTTPError(400, "order_tax_mode must be TAX_INCLUDED or TAX_EXCLUDED")
    reasons = _refund_reason_codes(ctx)
    # Validate every refund before applying any, so that a rejected request changes nothing.
    planned: list[tuple[Item, Item, dict[str, Any]]] = []
    pending: dict[str, tuple[Decimal, Decimal]] = {}
    for entry in entries:
        planned.append(_validate_refund(ctx, entry, reasons, pending))

    stamp = format_timestamp(ctx.now())
    results = [_apply_refund(ctx, order, line, entry, stamp) for order, line, entry in planned]
    first_order = planned[0][0]
    return json_response(
        {
            "order_tax_mode": tax_mode or first_order.get("order_tax_mode") or "TAX_INCLUDED",
            "refunds": results,
        }
    )


def _validate_refund(
    ctx: Context,
    entry: Any,
    reasons: set[str],
    pending: dict[str, tuple[Decimal, Decimal]],
) -> tuple[Item, Item, dict[str, Any]]:
    if not isinstance(entry, dict):
        raise HTTPError(400, "Error with field refunds. Please check the field datatype.")
    for name in ("order_line_id", "amount", "shipping_amount", "reason_code"):
        if entry.get(name) is None:
            raise HTTPError(400, f"VALIDATION_ERROR: refunds[].{name} is required")
    line_id = entry["order_line_id"]
    if not isinstance(line_id, str):
        raise HTTPError(400, "Error with field order_line_id. Please check the field datatype.")
    amount = _decimal(entry["amount"], "amount")
    shipping = _decimal(entry["shipping_amount"], "shipping_amount")
    if amount < 0 or shipping < 0:
        raise HTTPError(400, "VALIDATION_ERROR: refund amounts cannot be negative")
    if amount == 0 and shipping == 0:
        raise HTTPError(400, f"VALIDATION_ERROR: nothing to refund on order line {line_id}")
    quantity = entry.get("quantity")
    if quantity is not None and (
        isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 0
    ):
        raise HTTPError(400, "Error with field quantity. Please check the field datatype.")
    reason = str(entry["reason_code"])
    if reason not in reasons:
        raise HTTPError(
            400,
            f"Invalid reason_code {reason!r}: it must be a reason of type REFUND "
            "(GET /api/reasons)",
        )
    found = ctx.state.order_line(line_id)
    if found is None:
        raise HTTPError(400, f"ORDER_LINE_NOT_FOUND: order line {line_id} does not exist")
    order, line = found
    if (
        order.get("order_state") not in enums.REFUNDABLE_ORDER_STATES
        or line.get("order_line_state") not in enums.REFUNDABLE_LINE_STATES
    ):
        raise HTTPError(
            400,
            f"ORDER_LINE_INVALID_STATE: order line {line_id} is {line.get('order_line_state')} "
            f"in a {order.get('order_state')} order; it cannot be refunded",
        )
    currency = entry.get("currency_iso_code")
    if currency is not None and currency != order.get("currency_iso_code"):
        raise HTTPError(
            400,
            f"currency_iso_code {currency} differs from the order's "
            f"{order.get('currency_iso_code')}",
        )
    taxes = _amount_list(entry, "taxes")
    shipping_taxes = _amount_list(entry, "shipping_taxes")
    if line.get("taxes") and taxes is None:
        raise HTTPError(400, f"taxes are required: order line {line_id} has taxes")
    if line.get("shipping_taxes") and shipping_taxes is None:
        raise HTTPError(
            400, f"shipping_taxes are required: order line {line_id} has shipping taxes"
        )
    fees = _amount_list(entry, "fees")
    earlier_amount, earlier_shipping = pending.get(line_id, (Decimal(0), Decimal(0)))
    refundable = _money(line.get("price")) - _refunded(line, "amount") - earlier_amount
    refundable_shipping = (
        _money(line.get("shipping_price")) - _refunded(line, "shipping_amount") - earlier_shipping
    )
    if amount > refundable:
        raise HTTPError(
            400, f"amount {amount} exceeds the {refundable} still refundable on line {line_id}"
        )
    if shipping > refundable_shipping:
        raise HTTPError(
            400,
            f"shipping_amount {shipping} exceeds the {refundable_shipping} still refundable "
            f"on line {line_id}",
        )
    pending[line_id] = (earlier_amount + amount, earlier_shipping + shipping)
    excluded = entry.get("excluded_from_shipment")
    if excluded is not None and not isinstance(excluded, bool):
        raise HTTPError(
            400, "Error with field excluded_from_shipment. Please check the field datatype."
        )
    clean = {
        "amount": amount,
        "shipping_amount": shipping,
        "quantity": quantity,
        "reason_code": reason,
        "taxes": taxes or [],
        "shipping_taxes": shipping_taxes or [],
        "fees": fees or [],
        "excluded_from_shipment": bool(excluded),
    }
    return order, line, clean


def _commission(line: Item, refunded: Decimal) -> tuple[Decimal, list[dict[str, Any]]]:
    """The commission given back on a refund, as Mirakl's fixtures show it computed.

    The line's commission is a rate of its total (price + shipping); the refund takes back that
    rate of the refunded amount, and each commission tax its own rate of that.
    """
    base = _money(line.get("price")) + _money(line.get("shipping_price"))
    if base == 0:
        return Decimal(0).quantize(CENT), []
    commission = _cents(_money(line.get("commission_fee")) * refunded / base)
    rates: list[tuple[str, Decimal]] = [
        (str(tax["code"]), _money(tax.get("rate")))
        for tax in line.get("commission_taxes") or []
        if tax.get("rate") is not None
    ]
    if not rates and line.get("commission_rate_vat") is not None:
        rates = [("TAXDEFAULT", _money(line["commission_rate_vat"]))]
    taxes = [{"amount": _cents(commission * rate / 100), "code": code} for code, rate in rates]
    return commission, taxes


def _next_refund_id(ctx: Context) -> str:
    highest = 0
    for order in ctx.state.orders.values():
        for line in order.get("order_lines") or []:
            for refund in line.get("refunds") or []:
                refund_id = str(refund.get("id", ""))
                if refund_id.isdigit():
                    highest = max(highest, int(refund_id))
    return str(highest + 1)


def _apply_refund(
    ctx: Context, order: Item, line: Item, entry: dict[str, Any], stamp: str
) -> dict[str, Any]:
    refund_id = _next_refund_id(ctx)
    order_refund_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{order['order_id']}/{refund_id}"))
    commission, commission_taxes = _commission(line, entry["amount"] + entry["shipping_amount"])
    commission_tax = sum((tax["amount"] for tax in commission_taxes), Decimal(0))
    line.setdefault("refunds", []).append(
        {
            "id": refund_id,
            "order_refund_id": order_refund_id,
            "amount": entry["amount"],
            "shipping_amount": entry["shipping_amount"],
            "quantity": entry["quantity"],
            "reason_code": entry["reason_code"],
            "refund_state": "WAITING_REFUND",
            # Deprecated twin of refund_state, still required by the OR11 schema.
            "state": "WAITING_REFUND",
            "commission_amount": commission,
            "commission_tax_amount": commission_tax,
            "commission_taxes": commission_taxes,
            "commission_total_amount": commission + commission_tax,
            "taxes": entry["taxes"],
            "shipping_taxes": entry["shipping_taxes"],
            "fees": entry["fees"],
            "created_date": stamp,
            "transaction_date": None,
            "transaction_number": None,
        }
    )
    line["can_refund"] = _money(line.get("price")) - _refunded(line, "amount") > 0
    order["fully_refunded"] = all(_fully_refunded(item) for item in order.get("order_lines") or [])
    _touch(order, stamp, [line])
    return {
        "refund_id": refund_id,
        "order_refund_id": order_refund_id,
        "order_line_id": line["order_line_id"],
        "amount": entry["amount"],
        "shipping_amount": entry["shipping_amount"],
        "quantity": entry["quantity"],
        "reason_code": entry["reason_code"],
        "currency_iso_code": order.get("currency_iso_code"),
        "excluded_from_shipment": entry["excluded_from_shipment"],
        "taxes": entry["taxes"],
        "shipping_taxes": entry["shipping_taxes"],
        "fees": entry["fees"],
    }


def _fully_refunded(line: Item) -> bool:
    if line.get("order_line_state") in ("REFUSED", "CANCELED"):
        return True
    return (
        _money(line.get("price")) - _refunded(line, "amount") <= 0
        and _money(line.get("shipping_price")) - _refunded(line, "shipping_amount") <= 0
    )
