"""Orders V2: orders, their products and their shipments, as BigCommerce answers them.

Collections are bare JSON arrays paged with `page` (from 1) and `limit` (default 50, at most
250; more is 413). A page with nothing on it is `204 No Content` with no body, whether the
listing is empty or the client paged past its end; an order without shipments answers 204 too.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from sandbox.bigcommerce import wire
from sandbox.bigcommerce.store import ORDER_STATUSES, Order, OrderProduct, Shipment, Store
from sandbox.http import HTTPError, Request, Response, Router, json_response, no_content

DEFAULT_LIMIT = 50
MAX_LIMIT = 250
SORT_FIELDS: dict[str, Callable[[Order], Any]] = {
    "id": lambda order: order.id,
    "customer_id": lambda order: (order.customer_id, order.id),
    "date_created": lambda order: (order.date_created, order.id),
    "date_modified": lambda order: (order.date_modified, order.id),
    "status_id": lambda order: (order.status_id, order.id),
    "channel_id": lambda order: (order.channel_id, order.id),
    "external_id": lambda order: (order.external_order_id or "", order.id),
}
DATE_FILTERS = {
    "min_date_created": ("date_created", False),
    "max_date_created": ("date_created", True),
    "min_date_modified": ("date_modified", False),
    "max_date_modified": ("date_modified", True),
}


def register(router: Router, store: Store) -> None:
    prefix = f"/stores/{store.store_hash}/v2"
    router.add("GET", f"{prefix}/orders", partial(list_orders, store))
    router.add("GET", f"{prefix}/orders/{{order_id}}", partial(get_order, store))
    router.add("GET", f"{prefix}/orders/{{order_id}}/products", partial(list_products, store))
    router.add("GET", f"{prefix}/orders/{{order_id}}/shipments", partial(list_shipments, store))


# --- parameters -------------------------------------------------------------------------------


def _integer(request: Request, name: str, default: int | None, minimum: int = 0) -> int | None:
    raw = request.arg(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise HTTPError(400, f"The field '{name}' is invalid: '{raw}' is not an integer") from None
    if value < minimum:
        raise HTTPError(400, f"The field '{name}' is invalid: it must be at least {minimum}")
    return value


def _page(request: Request) -> tuple[int, int]:
    page = _integer(request, "page", 1, minimum=1)
    limit = _integer(request, "limit", DEFAULT_LIMIT, minimum=1)
    assert page is not None and limit is not None
    if limit > MAX_LIMIT:
        raise HTTPError(413, f"The limit of {limit} is too high; at most {MAX_LIMIT} per page")
    return page, limit


def _paged(request: Request, rows: list[dict[str, Any]]) -> Response:
    page, limit = _page(request)
    chunk = rows[(page - 1) * limit : page * limit]
    return json_response(chunk) if chunk else no_content()


def _order_id(store: Store, request: Request) -> int:
    raw = request.path_params["order_id"]
    if not raw.isdigit() or int(raw) not in store.orders:
        raise HTTPError(404, "The requested resource was not found.")
    return int(raw)


# --- handlers ---------------------------------------------------------------------------------


def list_orders(store: Store, request: Request) -> Response:
    bounds = {}
    for name, (attribute, is_max) in DATE_FILTERS.items():
        raw = request.arg(name)
        if raw:
            try:
                bounds[name] = (attribute, is_max, wire.parse_v2_date(raw))
            except ValueError:
                raise HTTPError(
                    400,
                    f"The field '{name}' is invalid: '{raw}' is neither an RFC 2822 "
                    "nor an ISO 8601 date",
                ) from None
    min_id = _integer(request, "min_id", None)
    max_id = _integer(request, "max_id", None)
    status_id = _integer(request, "status_id", None)
    external = request.arg("external_order_id")
    field, _, direction = (request.arg("sort") or "id:asc").partition(":")
    if field not in SORT_FIELDS or direction.lower() not in ("", "asc", "desc"):
        raise HTTPError(400, f"The field 'sort' is invalid: '{request.arg('sort')}'")

    def wanted(order: Order) -> bool:
        for attribute, is_max, bound in bounds.values():
            value = getattr(order, attribute)
            if (value > bound) if is_max else (value < bound):
                return False
        return (
            (min_id is None or order.id >= min_id)
            and (max_id is None or order.id <= max_id)
            and (status_id is None or order.status_id == status_id)
            and (external is None or order.external_order_id == external)
        )

    orders = sorted(
        (order for order in store.orders.values() if wanted(order)),
        key=SORT_FIELDS[field],
        reverse=direction.lower() == "desc",
    )
    return _paged(request, [render_order(store, request, order) for order in orders])


def get_order(store: Store, request: Request) -> Response:
    order = store.orders[_order_id(store, request)]
    return json_response(render_order(store, request, order))


def list_products(store: Store, request: Request) -> Response:
    order_id = _order_id(store, request)
    lines = store.order_products.get(order_id, [])
    return _paged(request, [render_product(line) for line in lines])


def list_shipments(store: Store, request: Request) -> Response:
    order_id = _order_id(store, request)
    shipments = store.shipments.get(order_id, [])
    return _paged(request, [render_shipment(shipment) for shipment in shipments])


# --- rendering --------------------------------------------------------------------------------


def _link(request: Request, store: Store, order_id: int, child: str) -> dict[str, str]:
    resource = f"/orders/{order_id}/{child}"
    return {
        "url": f"{request.base_url}/stores/{store.store_hash}/v2{resource}",
        "resource": resource,
    }


def render_order(store: Store, request: Request, order: Order) -> dict[str, Any]:
    money = wire.v2_money
    zero = money(0)
    status = ORDER_STATUSES[order.status_id]
    return {
        "id": order.id,
        "customer_id": order.customer_id,
        "date_created": wire.v2_date(order.date_created),
        "date_modified": wire.v2_date(order.date_modified),
        "date_shipped": wire.v2_date(order.date_shipped),
        "status_id": order.status_id,
        "status": status,
        "custom_status": status,
        "subtotal_ex_tax": money(order.subtotal),
        "subtotal_inc_tax": money(order.subtotal),
        "subtotal_tax": zero,
        "base_shipping_cost": money(order.shipping),
        "shipping_cost_ex_tax": money(order.shipping),
        "shipping_cost_inc_tax": money(order.shipping),
        "shipping_cost_tax": zero,
        "shipping_cost_tax_class_id": 2,
        "base_handling_cost": zero,
        "handling_cost_ex_tax": zero,
        "handling_cost_inc_tax": zero,
        "handling_cost_tax": zero,
        "handling_cost_tax_class_id": 2,
        "base_wrapping_cost": zero,
        "wrapping_cost_ex_tax": zero,
        "wrapping_cost_inc_tax": zero,
        "wrapping_cost_tax": zero,
        "wrapping_cost_tax_class_id": 3,
        "total_ex_tax": money(order.total),
        "total_inc_tax": money(order.total),
        "total_tax": zero,
        "items_total": order.items_total,
        "items_shipped": order.items_shipped,
        "payment_method": "Marketplace",
        "payment_provider_id": None,
        "payment_status": "captured",
        "refunded_amount": zero,
        "order_is_digital": False,
        "store_credit_amount": zero,
        "gift_certificate_amount": zero,
        "ip_address": "",
        "ip_address_v6": "",
        "geoip_country": "",
        "geoip_country_iso2": "",
        "currency_id": 1,
        "currency_code": order.currency_code,
        "currency_exchange_rate": "1.0000000000",
        "default_currency_id": 1,
        "default_currency_code": order.currency_code,
        "store_default_currency_code": order.currency_code,
        "store_default_to_transactional_exchange_rate": "1.0000000000",
        "staff_notes": "",
        "customer_message": "",
        "discount_amount": zero,
        "coupon_discount": zero,
        "shipping_address_count": 1,
        "is_deleted": False,
        "ebay_order_id": "0",
        "cart_id": "",
        "billing_address": dict(order.billing_address),
        "is_email_opt_in": False,
        "credit_card_type": None,
        "order_source": "external" if order.external_order_id else "manual",
        "channel_id": order.channel_id,
        "external_source": order.external_source,
        "external_id": None,
        "external_merchant_id": None,
        "external_order_id": order.external_order_id or "",
        "tax_provider_id": "",
        "customer_locale": "",
        "products": _link(request, store, order.id, "products"),
        "shipping_addresses": _link(request, store, order.id, "shipping_addresses"),
        "coupons": _link(request, store, order.id, "coupons"),
    }


def render_product(line: OrderProduct) -> dict[str, Any]:
    money = wire.v2_money
    zero = money(0)
    return {
        "id": line.id,
        "order_id": line.order_id,
        "product_id": line.product_id,
        "variant_id": line.variant_id,
        "order_address_id": line.order_id,
        "name": line.name,
        "name_customer": line.name,
        "name_merchant": line.name,
        "sku": line.sku,
        "upc": "",
        "type": "physical",
        "base_price": money(line.price),
        "price_ex_tax": money(line.price),
        "price_inc_tax": money(line.price),
        "price_tax": zero,
        "base_total": money(line.total),
        "total_ex_tax": money(line.total),
        "total_inc_tax": money(line.total),
        "total_tax": zero,
        "discounted_total_inc_tax": money(line.total),
        "weight": zero,
        "quantity": line.quantity,
        "base_cost_price": zero,
        "cost_price_inc_tax": zero,
        "cost_price_ex_tax": zero,
        "cost_price_tax": zero,
        "is_refunded": line.quantity_refunded > 0,
        "quantity_refunded": line.quantity_refunded,
        "refund_amount": zero,
        "return_id": 0,
        "quantity_shipped": line.quantity_shipped,
        "fixed_shipping_cost": zero,
        "bin_picking_number": "",
        "is_bundled_product": False,
        "parent_order_product_id": None,
        "external_id": None,
        "fulfillment_source": "",
        "brand": "",
        "applied_discounts": [],
        "product_options": [],
        "configurable_fields": [],
    }


def render_shipment(shipment: Shipment) -> dict[str, Any]:
    return {
        "id": shipment.id,
        "order_id": shipment.order_id,
        "customer_id": 0,
        "order_address_id": shipment.order_id,
        "date_created": wire.v2_date(shipment.date_created),
        "tracking_number": shipment.tracking_number,
        "merchant_shipping_cost": wire.v2_money(0),
        "shipping_method": shipment.shipping_method,
        "comments": "",
        "shipping_provider": shipment.shipping_provider,
        "tracking_carrier": shipment.tracking_carrier,
        "tracking_link": "",
        "generated_tracking_link": "",
        "shipping_provider_display_name": shipment.shipping_provider_display_name,
        "billing_address": dict(shipment.shipping_address),
        "shipping_address": dict(shipment.shipping_address),
        "items": [dict(item) for item in shipment.items],
    }
