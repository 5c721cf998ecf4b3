"""V3: catalog products and variants, inventory locations and items, order refunds.

Collections answer `{"data": [...], "meta": {...}}`. Catalog, locations and inventory page with
`page`/`limit` and describe it in `meta.pagination` (total, count, per_page, current_page,
total_pages, links); refunds page the same way but answer an empty `meta` object, so a client
reads pages until a short one. Filters use V3's `attr:min`, `attr:max`, `attr:in` syntax;
a malformed value is a 422 naming the field.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from functools import partial
from typing import Any

from sandbox.bigcommerce import wire
from sandbox.bigcommerce.errors import FieldErrors
from sandbox.bigcommerce.store import Location, Product, Refund, Stock, Store, Variant
from sandbox.http import Request, Response, Router, json_response

CATALOG_MAX_LIMIT = 250
INVENTORY_MAX_LIMIT = 1000
DEFAULT_LIMIT = 50
PRODUCT_INCLUDES = {"variants", "custom_fields"}


def register(router: Router, store: Store) -> None:
    prefix = f"/stores/{store.store_hash}/v3"
    router.add("GET", f"{prefix}/catalog/products", partial(list_products, store))
    router.add("GET", f"{prefix}/catalog/variants", partial(list_variants, store))
    router.add("GET", f"{prefix}/inventory/locations", partial(list_locations, store))
    router.add("GET", f"{prefix}/inventory/items", partial(list_inventory_items, store))
    router.add(
        "GET",
        f"{prefix}/inventory/locations/{{location_id}}/items",
        partial(list_location_items, store),
    )
    router.add("GET", f"{prefix}/orders/payment_actions/refunds", partial(list_refunds, store))
    router.add(
        "GET",
        f"{prefix}/orders/{{order_id}}/payment_actions/refunds",
        partial(order_refunds, store),
    )


# --- parameters -------------------------------------------------------------------------------


def _int(request: Request, name: str, default: int | None, minimum: int = 0) -> int | None:
    raw = request.arg(name)
    if raw is None or raw == "":
        return default
    if not raw.strip().lstrip("-").isdigit() or int(raw) < minimum:
        raise FieldErrors(
            "Input is invalid", {name: f"'{raw}' is not an integer of at least {minimum}"}
        )
    return int(raw)


def _ints(request: Request, name: str) -> set[int] | None:
    raw = request.arg(name)
    if raw is None or raw == "":
        return None
    values = [part.strip() for part in raw.split(",")]
    if not all(value.isdigit() for value in values):
        raise FieldErrors("Input is invalid", {name: f"'{raw}' is not a list of integers"})
    return {int(value) for value in values}


def _texts(request: Request, name: str) -> set[str] | None:
    raw = request.arg(name)
    if raw is None or raw == "":
        return None
    return {part.strip() for part in raw.split(",")}


def _instant(request: Request, name: str) -> dt.datetime | None:
    raw = request.arg(name)
    if raw is None or raw == "":
        return None
    try:
        return wire.parse_rfc3339(raw)
    except ValueError:
        raise FieldErrors(
            "Input is invalid", {name: f"'{raw}' is not an RFC 3339 date-time"}
        ) from None


def _catalog_instant(request: Request, name: str) -> dt.datetime | None:
    # Catalog date filters also take a plain date or a Unix timestamp.
    raw = request.arg(name)
    if raw and raw.strip().isdigit():
        return dt.datetime.fromtimestamp(int(raw), dt.UTC)
    if raw and len(raw.strip()) == 10:
        try:
            return dt.datetime.fromisoformat(raw.strip()).replace(tzinfo=dt.UTC)
        except ValueError:
            pass
    return _instant(request, name)


def _page(request: Request, max_limit: int) -> tuple[int, int]:
    page = _int(request, "page", 1, minimum=1)
    limit = _int(request, "limit", DEFAULT_LIMIT, minimum=1)
    assert page is not None and limit is not None
    if limit > max_limit:
        raise FieldErrors("Input is invalid", {"limit": f"must be at most {max_limit}"})
    return page, limit


def _pagination(request: Request, rows: list[Any], max_limit: int) -> tuple[list[Any], dict]:
    page, limit = _page(request, max_limit)
    chunk = rows[(page - 1) * limit : page * limit]
    total_pages = math.ceil(len(rows) / limit)
    links = {"current": f"?page={page}&limit={limit}"}
    if page > 1:
        links["previous"] = f"?page={page - 1}&limit={limit}"
    if page < total_pages:
        links["next"] = f"?page={page + 1}&limit={limit}"
    meta = {
        "pagination": {
            "total": len(rows),
            "count": len(chunk),
            "per_page": limit,
            "current_page": page,
            "total_pages": total_pages,
            "links": links,
        }
    }
    return chunk, meta


def _collection(
    request: Request, rows: list[Any], render: Callable[[Any], dict], max_limit: int
) -> Response:
    chunk, meta = _pagination(request, rows, max_limit)
    return json_response({"data": [render(row) for row in chunk], "meta": meta})


# --- catalog ----------------------------------------------------------------------------------


def list_products(store: Store, request: Request) -> Response:
    include = _texts(request, "include") or set()
    unknown = include - PRODUCT_INCLUDES
    if unknown:
        raise FieldErrors("Input is invalid", {"include": f"unknown: {', '.join(sorted(unknown))}"})
    ids = _ints(request, "id:in")
    sku = request.arg("sku")
    modified_min = _catalog_instant(request, "date_modified:min")
    modified_max = _catalog_instant(request, "date_modified:max")
    products = [
        product
        for product in sorted(store.products.values(), key=lambda p: p.id)
        if (ids is None or product.id in ids)
        and (not sku or product.sku == sku)
        and (modified_min is None or product.date_modified >= modified_min)
        and (modified_max is None or product.date_modified <= modified_max)
    ]
    return _collection(
        request, products, lambda p: render_product(store, p, include), CATALOG_MAX_LIMIT
    )


def list_variants(store: Store, request: Request) -> Response:
    ids = _ints(request, "id:in")
    product_ids = _ints(request, "product_id:in")
    sku = request.arg("sku")
    variants = [
        variant
        for variant in sorted(store.variants.values(), key=lambda v: v.id)
        if (ids is None or variant.id in ids)
        and (product_ids is None or variant.product_id in product_ids)
        and (not sku or variant.sku == sku)
    ]
    return _collection(request, variants, lambda v: render_variant(store, v), CATALOG_MAX_LIMIT)


def render_product(store: Store, product: Product, include: set[str]) -> dict[str, Any]:
    variants = [store.variants[vid] for vid in product.variant_ids]
    body: dict[str, Any] = {
        "id": product.id,
        "name": product.name,
        "type": "physical",
        "sku": product.sku,
        "description": "",
        "weight": 0,
        "price": product.price,
        "cost_price": 0,
        "retail_price": 0,
        "sale_price": 0,
        "map_price": 0,
        "tax_class_id": 0,
        "categories": [],
        "brand_id": 0,
        "inventory_level": sum(store.inventory_level(v.id) for v in variants),
        "inventory_warning_level": 0,
        "inventory_tracking": product.inventory_tracking,
        "total_sold": 0,
        "is_free_shipping": False,
        "is_visible": product.is_visible,
        "availability": "available",
        "mpn": product.mpn,
        "upc": product.upc,
        "gtin": "",
        "base_variant_id": product.base_variant_id,
        "date_created": wire.v3_date(product.date_created),
        "date_modified": wire.v3_date(product.date_modified),
    }
    if "variants" in include:
        body["variants"] = [render_variant(store, variant) for variant in variants]
    if "custom_fields" in include:
        body["custom_fields"] = [
            {"id": field.id, "name": field.name, "value": field.value}
            for field in product.custom_fields
        ]
    return body


def render_variant(store: Store, variant: Variant) -> dict[str, Any]:
    return {
        "id": variant.id,
        "product_id": variant.product_id,
        "sku": variant.sku,
        "sku_id": None,
        "price": variant.price,
        "calculated_price": variant.price,
        "sale_price": None,
        "retail_price": None,
        "map_price": None,
        "weight": None,
        "cost_price": variant.cost_price,
        "upc": variant.upc,
        "mpn": variant.mpn,
        "gtin": variant.gtin,
        "inventory_level": store.inventory_level(variant.id),
        "inventory_warning_level": 0,
        "bin_picking_number": variant.bin_picking_number,
        "purchasing_disabled": variant.purchasing_disabled,
        "purchasing_disabled_message": "",
        "image_url": "",
        "option_values": [dict(value) for value in variant.option_values],
    }


# --- inventory --------------------------------------------------------------------------------


def list_locations(store: Store, request: Request) -> Response:
    ids = _ints(request, "location_id:in")
    codes = _texts(request, "location_code:in")
    locations = [
        location
        for location in store.locations
        if (ids is None or location.id in ids) and (codes is None or location.code in codes)
    ]
    return _collection(request, locations, render_location, CATALOG_MAX_LIMIT)


def render_location(location: Location) -> dict[str, Any]:
    return {
        "id": location.id,
        "code": location.code,
        "label": location.label,
        "description": "",
        "managed_by_external_source": False,
        "type_id": "PHYSICAL",
        "enabled": location.enabled,
        "operating_hours": {},
        "time_zone": location.time_zone,
        "created_at": wire.rfc3339(location.created_at),
        "updated_at": wire.rfc3339(location.created_at),
        "storefront_visibility": True,
        "special_hours": [],
        "address": {},
    }


def _tracked_variants(store: Store, request: Request) -> list[Variant]:
    skus = _texts(request, "sku:in")
    variant_ids = _ints(request, "variant_id:in")
    product_ids = _ints(request, "product_id:in")
    return [
        variant
        for variant in sorted(store.variants.values(), key=lambda v: v.id)
        if store.products[variant.product_id].inventory_tracking != "none"
        and (skus is None or variant.sku in skus)
        and (variant_ids is None or variant.id in variant_ids)
        and (product_ids is None or variant.product_id in product_ids)
    ]


def _identity(variant: Variant) -> dict[str, Any]:
    return {
        "sku": variant.sku,
        "variant_id": variant.id,
        "product_id": variant.product_id,
        "sku_id": None,
    }


def _settings(stock: Stock) -> dict[str, Any]:
    return {
        "safety_stock": stock.safety_stock,
        "is_in_stock": stock.available_to_sell > 0,
        "warning_level": stock.warning_level,
        "bin_picking_number": "",
    }


def list_inventory_items(store: Store, request: Request) -> Response:
    location_ids = _ints(request, "location_id:in")
    codes = _texts(request, "location_code:in")
    items = []
    for variant in _tracked_variants(store, request):
        stocks = [
            stock
            for stock in store.stock_of(variant.id)
            if (location_ids is None or stock.location_id in location_ids)
            and (codes is None or store.location(stock.location_id).code in codes)
        ]
        if stocks:
            items.append((variant, stocks))

    def render(entry: tuple[Variant, list[Stock]]) -> dict[str, Any]:
        variant, stocks = entry
        return {
            "identity": _identity(variant),
            "locations": [
                {
                    "location_id": stock.location_id,
                    "location_code": store.location(stock.location_id).code,
                    "location_name": store.location(stock.location_id).label,
                    "available_to_sell": stock.available_to_sell,
                    "total_inventory_onhand": stock.onhand,
                    "qty_backordered": stock.backordered,
                    "location_enabled": store.location(stock.location_id).enabled,
                    "settings": _settings(stock),
                }
                for stock in stocks
            ],
        }

    return _collection(request, items, render, INVENTORY_MAX_LIMIT)


def list_location_items(store: Store, request: Request) -> Response:
    raw = request.path_params["location_id"]
    if not raw.isdigit() or int(raw) not in {location.id for location in store.locations}:
        raise FieldErrors("Location not found", {}, status=404)
    location_id = int(raw)
    rows = [
        (variant, store.stock[(variant.id, location_id)])
        for variant in _tracked_variants(store, request)
        if (variant.id, location_id) in store.stock
    ]

    def render(entry: tuple[Variant, Stock]) -> dict[str, Any]:
        variant, stock = entry
        return {
            "identity": _identity(variant),
            "available_to_sell": stock.available_to_sell,
            "total_inventory_onhand": stock.onhand,
            "qty_backordered": stock.backordered,
            "settings": _settings(stock),
        }

    return _collection(request, rows, render, INVENTORY_MAX_LIMIT)


# --- refunds ----------------------------------------------------------------------------------


def _refund_page(request: Request, refunds: list[Refund]) -> Response:
    page, limit = _page(request, CATALOG_MAX_LIMIT)
    chunk = refunds[(page - 1) * limit : page * limit]
    # BigCommerce's refund listing carries no pagination: its meta is an empty object.
    return json_response({"data": [render_refund(refund) for refund in chunk], "meta": {}})


def list_refunds(store: Store, request: Request) -> Response:
    order_ids = _ints(request, "order_id:in")
    ids = _ints(request, "id:in")
    created_min = _instant(request, "created:min")
    created_max = _instant(request, "created:max")
    refunds = [
        refund
        for refund in sorted(store.refunds, key=lambda r: r.id)
        if (order_ids is None or refund.order_id in order_ids)
        and (ids is None or refund.id in ids)
        and (created_min is None or refund.created >= created_min)
        and (created_max is None or refund.created <= created_max)
    ]
    return _refund_page(request, refunds)


def order_refunds(store: Store, request: Request) -> Response:
    raw = request.path_params["order_id"]
    if not raw.isdigit() or int(raw) not in store.orders:
        raise FieldErrors("Order not found", {}, status=404)
    refunds = [refund for refund in store.refunds if refund.order_id == int(raw)]
    return _refund_page(request, sorted(refunds, key=lambda r: r.id))


def render_refund(refund: Refund) -> dict[str, Any]:
    return {
        "id": refund.id,
        "order_id": refund.order_id,
        "user_id": 0,
        "created": wire.rfc3339(refund.created),
        "reason": refund.reason,
        "total_amount": refund.total_amount,
        "total_tax": refund.total_tax,
        "uses_merchant_override_values": False,
        "items": [dict(item) for item in refund.items],
        "payments": [dict(payment) for payment in refund.payments],
    }
