"""The few writes the sandbox accepts, so tests change the store the way another app would.

- `PUT /v2/orders/{id}`: change `status_id` or `external_order_id`.
- `POST /v2/orders/{id}/shipments`: ship an order (the order moves to Shipped).
- `PUT /v3/inventory/adjustments/absolute`: set on-hand stock at a location.

Each write stamps what it touches with the sandbox clock: the order's `date_modified`, the
product's `date_modified`, so incremental readers see the change.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from functools import partial
from typing import Any

from sandbox.bigcommerce import v2
from sandbox.bigcommerce.errors import FieldErrors
from sandbox.bigcommerce.store import ORDER_STATUSES, Shipment, Stock, Store
from sandbox.http import HTTPError, Request, Response, Router, json_response

Clock = Callable[[], dt.datetime]
ADJUSTMENT_MAX_ITEMS = 2000


def register(router: Router, store: Store, now: Clock) -> None:
    v2_prefix = f"/stores/{store.store_hash}/v2"
    v3_prefix = f"/stores/{store.store_hash}/v3"
    router.add("PUT", f"{v2_prefix}/orders/{{order_id}}", partial(update_order, store, now))
    router.add(
        "POST", f"{v2_prefix}/orders/{{order_id}}/shipments", partial(create_shipment, store, now)
    )
    router.add(
        "PUT",
        f"{v3_prefix}/inventory/adjustments/absolute",
        partial(absolute_adjustment, store, now),
    )


def _body(request: Request) -> dict[str, Any]:
    body = request.json()
    if not isinstance(body, dict):
        raise HTTPError(400, "The request body must be a JSON object")
    return body


def update_order(store: Store, now: Clock, request: Request) -> Response:
    order = store.orders[v2._order_id(store, request)]
    body = _body(request)
    if "status_id" in body:
        if body["status_id"] not in ORDER_STATUSES:
            raise HTTPError(400, f"The field 'status_id' is invalid: {body['status_id']!r}")
        order.status_id = body["status_id"]
    if "external_order_id" in body:
        order.external_order_id = str(body["external_order_id"] or "") or None
    order.date_modified = now()
    return json_response(v2.render_order(store, request, order))


def create_shipment(store: Store, now: Clock, request: Request) -> Response:
    order = store.orders[v2._order_id(store, request)]
    body = _body(request)
    items = body.get("items")
    if not isinstance(items, list) or not items:
        raise HTTPError(400, "The field 'items' is required: the order products shipped")
    lines = {line.id: line for line in store.order_products.get(order.id, [])}
    for item in items:
        if not isinstance(item, dict) or item.get("order_product_id") not in lines:
            raise HTTPError(400, f"The field 'items' is invalid: {item!r} is not on this order")
    shipped_at = now()
    shipments = [s for shipments in store.shipments.values() for s in shipments]
    shipment = Shipment(
        id=store.next_id(shipments, 7001),
        order_id=order.id,
        date_created=shipped_at,
        tracking_number=str(body.get("tracking_number") or ""),
        shipping_method=str(body.get("shipping_method") or ""),
        shipping_provider=str(body.get("shipping_provider") or ""),
        shipping_provider_display_name=str(body.get("shipping_provider") or "").upper(),
        tracking_carrier=str(body.get("tracking_carrier") or ""),
        items=[
            {
                "order_product_id": item["order_product_id"],
                "product_id": lines[item["order_product_id"]].product_id,
                "quantity": int(item.get("quantity") or lines[item["order_product_id"]].quantity),
            }
            for item in items
        ],
        shipping_address=dict(order.billing_address),
    )
    store.shipments.setdefault(order.id, []).append(shipment)
    order.status_id = 2
    order.date_shipped = order.date_shipped or shipped_at
    order.items_shipped = order.items_total
    order.date_modified = shipped_at
    return json_response(v2.render_shipment(shipment), status=201)


def absolute_adjustment(store: Store, now: Clock, request: Request) -> Response:
    body = _body(request)
    items = body.get("items")
    if not isinstance(items, list) or not items:
        raise FieldErrors("Input is invalid", {"items": "at least one item is required"})
    if len(items) > ADJUSTMENT_MAX_ITEMS:
        raise FieldErrors("Input is invalid", {"items": f"at most {ADJUSTMENT_MAX_ITEMS} items"})
    by_sku = {variant.sku: variant for variant in store.variants.values()}
    locations = {location.id for location in store.locations}
    changes = []
    for index, item in enumerate(items):
        where = f"items.{index}"
        variant = (
            store.variants.get(item.get("variant_id"))
            if "variant_id" in item
            else by_sku.get(item.get("sku"))
        )
        quantity = item.get("quantity")
        if variant is None:
            raise FieldErrors("Input is invalid", {where: "no variant with this variant_id or sku"})
        if item.get("location_id") not in locations:
            raise FieldErrors("Input is invalid", {where: "unknown location_id"})
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 0:
            raise FieldErrors("Input is invalid", {where: "quantity must be a whole number >= 0"})
        changes.append((variant, item["location_id"], quantity))
    at = now()
    for variant, location_id, quantity in changes:
        key = (variant.id, location_id)
        stock = store.stock.setdefault(key, Stock(variant.id, location_id, 0))
        stock.onhand = quantity
        store.products[variant.product_id].date_modified = at
    return json_response({"transaction_id": str(uuid.uuid4())})
