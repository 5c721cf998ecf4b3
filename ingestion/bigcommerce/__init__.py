"""dlt source for a BigCommerce store: catalog, inventory per location, orders, shipments, refunds.

Tables (dataset ``bigcommerce`` by convention):

| table | call (V2 or V3) | key | disposition |
|---|---|---|---|
| ``variants`` | V3 ``/catalog/products``, variants and custom fields | ``variant_id`` | replace |
| ``locations`` | V3 ``/inventory/locations`` | ``id`` | replace |
| ``inventory_items`` | V3 ``/inventory/items``, per variant and location | both ids | replace |
| ``orders`` | V2 ``/orders`` with ``min_date_modified`` | ``id`` | merge, incremental |
| ``order_products`` | V2 ``/orders/{id}/products``, orders of this run | ``id`` | merge |
| ``shipments`` | V2 ``/orders/{id}/shipments``, orders of this run | ``id`` | merge |
| ``refunds`` | V3 ``/orders/payment_actions/refunds``, ``created:min`` | ``id`` | merge, incr. |
| ``quarantine`` | | ``quarantine_id`` | records that could not be landed, with the reason |

The catalog and the stock are read whole each run (replace), so deleted variants and emptied
locations disappear; orders and refunds are incremental, re-reading a window before the last
change seen.

Shipments have no date filter of their own: they are read per order, for the orders that
changed since the last run (creating a shipment changes its order). Order products likewise.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import dlt
from dlt.common.typing import TDataItems
from dlt.sources import DltResource

from ..quarantine import finish_landing, land_pages, with_quarantine
from .client import BigCommerceClient, Page
from .columns import (
    INVENTORY_ITEM_COLUMNS,
    LOCATION_COLUMNS,
    ORDER_COLUMNS,
    ORDER_PRODUCT_COLUMNS,
    REFUND_COLUMNS,
    REFUND_NESTED_HINTS,
    SHIPMENT_COLUMNS,
    SHIPMENT_NESTED_HINTS,
    VARIANT_COLUMNS,
)
from .conventions import ItemConvention
from .exceptions import (
    BigCommerceApiError,
    BigCommerceAuthError,
    BigCommerceConnectionError,
    BigCommerceError,
    BigCommerceResponseError,
)
from .records import (
    Rejected,
    parse_iso,
    shape_inventory_item,
    shape_location,
    shape_order,
    shape_order_product,
    shape_refund,
    shape_shipment,
    shape_variants,
)
from .settings import (
    DEFAULT_API_BASE_URL,
    DEFAULT_MAX_RATE_LIMIT_WAITS,
    DEFAULT_REPULL_WINDOW_MINUTES,
    DEFAULT_REQUEST_BACKOFF_FACTOR,
    DEFAULT_REQUEST_MAX_ATTEMPTS,
    DEFAULT_REQUEST_MAX_RETRY_DELAY_SECONDS,
    DEFAULT_REQUEST_TIMEOUT_SECONDS,
    INVENTORY_ITEMS_PATH,
    LOCATIONS_PATH,
    MAX_PAGE_SIZE,
    ORDER_PRODUCTS_PATH,
    ORDER_SHIPMENTS_PATH,
    ORDERS_PATH,
    PRODUCTS_PATH,
    REFUNDS_PATH,
)

SOURCE_NAME = "bigcommerce"

__all__ = [
    "BigCommerceApiError",
    "BigCommerceAuthError",
    "BigCommerceClient",
    "BigCommerceConnectionError",
    "BigCommerceError",
    "BigCommerceResponseError",
    "bigcommerce_source",
]

# Defaults that let dlt recognise the incremental arguments; the source passes configured ones.
_ORDERS_CURSOR = dlt.sources.incremental[dt.datetime](
    "date_modified", on_cursor_value_missing="include"
)
_REFUNDS_CURSOR = dlt.sources.incremental[dt.datetime]("created", on_cursor_value_missing="include")


@dlt.source(name=SOURCE_NAME)
def bigcommerce_source(
    store_hash: str = dlt.config.value,
    access_token: str = dlt.secrets.value,
    api_base_url: str = DEFAULT_API_BASE_URL,
    start_date: str | None = None,
    repull_window_minutes: int = DEFAULT_REPULL_WINDOW_MINUTES,
    page_size: int = MAX_PAGE_SIZE,
    shop_sku_field: str = "custom_field:mirakl_shop_sku",
    listed_field: str = "custom_field:mirakl_listed",
    listed_default: bool = False,
    case_size_field: str = "custom_field:units_per_stock_unit",
    stock_uom_field: str = "custom_field:stock_uom",
    rate_limit_reserve: int = 0,
    request_timeout: float = DEFAULT_REQUEST_TIMEOUT_SECONDS,
    request_max_attempts: int = DEFAULT_REQUEST_MAX_ATTEMPTS,
    request_backoff_factor: float = DEFAULT_REQUEST_BACKOFF_FACTOR,
    request_max_retry_delay: float = DEFAULT_REQUEST_MAX_RETRY_DELAY_SECONDS,
    max_rate_limit_waits: int = DEFAULT_MAX_RATE_LIMIT_WAITS,
) -> Sequence[DltResource]:
    """Catalog, stock per location, orders with their products and shipments, and refunds.

    Every argument is read from ``[sources.bigcommerce]`` in ``.dlt/config.toml`` (the token
    from ``.dlt/secrets.toml``) or ``SOURCES__BIGCOMMERCE__<ARG>``, unless passed.

    Args:
        store_hash: The store's permanent id, as in ``https://api.bigcommerce.com/stores/<hash>/``.
        access_token: An API account token (read-only scopes for products, orders, inventory
            and transactions suffice), sent in ``X-Auth-Token``; never logged or shown.
        api_base_url: BigCommerce's API host; only a sandbox needs another.
        start_date: ISO 8601 date or date-time: the first run pulls orders changed and refunds
            created since then. ``None`` pulls the whole history.
        repull_window_minutes: How far before the last change seen each incremental run starts
            again; re-pulled records are merged, never duplicated. ``0`` disables the window.
        page_size: Items per page, 1 to 250.
        shop_sku_field, listed_field, case_size_field, stock_uom_field: Where each item's
            Mirakl shop SKU, listing flag, case size and stock unit are read
            (``custom_field:<name>``, ``variant:<attribute>`` or ``product:<attribute>``; see
            ``conventions.py``).
        listed_default: Whether an item without a listing flag is meant for the marketplace.
        rate_limit_reserve: Requests of the store's quota window left to other apps; at or below
            it the source waits for the window to refresh.
        request_timeout, request_max_attempts, request_backoff_factor, request_max_retry_delay:
            Retries of 5xx, timeouts and dropped connections (and the longest wait, quota
            waits included).
        max_rate_limit_waits: 429 answers tolerated for one request before the run fails.
    """
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValueError(f"page_size must be between 1 and {MAX_PAGE_SIZE}, got {page_size}")
    if repull_window_minutes < 0:
        raise ValueError(f"repull_window_minutes must not be negative, got {repull_window_minutes}")
    convention = ItemConvention.from_settings(
        shop_sku_field, listed_field, case_size_field, stock_uom_field, listed_default
    )
    client = BigCommerceClient(
        api_base_url,
        store_hash,
        access_token,
        rate_limit_reserve=rate_limit_reserve,
        request_timeout=request_timeout,
        max_attempts=request_max_attempts,
        backoff_factor=request_backoff_factor,
        max_retry_delay=request_max_retry_delay,
        max_rate_limit_waits=max_rate_limit_waits,
    )
    try:
        initial = parse_iso(start_date, "start_date") if start_date else None
    except ValueError:
        raise ValueError(
            f"start_date {start_date!r} is not an ISO 8601 date or date-time, e.g. 2024-01-01"
        ) from None
    lag = repull_window_minutes * 60 or None

    def cursor(name: str) -> dlt.sources.incremental[dt.datetime]:
        return dlt.sources.incremental[dt.datetime](
            name, initial_value=initial, lag=lag, on_cursor_value_missing="include"
        )

    # Column types are applied after the quarantine variant exists (see ingestion/quarantine.py).
    changed_orders = with_quarantine(
        orders(client, page_size, cursor("date_modified")), ORDER_COLUMNS
    )
    return (
        with_quarantine(variants(client, page_size, convention), VARIANT_COLUMNS),
        with_quarantine(locations(client, page_size), LOCATION_COLUMNS),
        with_quarantine(inventory_items(client, page_size), INVENTORY_ITEM_COLUMNS),
        changed_orders,
        with_quarantine(changed_orders | order_products(client, page_size), ORDER_PRODUCT_COLUMNS),
        with_quarantine(changed_orders | shipments(client, page_size), SHIPMENT_COLUMNS),
        with_quarantine(refunds(client, page_size, cursor("created")), REFUND_COLUMNS),
    )


@dlt.resource(name="variants", primary_key="variant_id", write_disposition="replace")
def variants(
    client: BigCommerceClient, page_size: int, convention: ItemConvention
) -> Iterator[TDataItems]:
    """Every variant of every product, with the item attributes the convention reads."""
    params = {"include": "variants,custom_fields"}
    rows_seen = False
    rejects: list[Rejected] = []
    for page in client.v3_pages(PRODUCTS_PATH, params, page_size):
        rows = []
        for product in page:
            landed, rejected = shape_variants(product, convention)
            rows.extend(landed)
            rejects.extend(rejected)
        if rows:
            rows_seen = True
            yield rows
    yield from _finish("variants", rows_seen, rejects)


@dlt.resource(name="locations", primary_key="id", write_disposition="replace")
def locations(client: BigCommerceClient, page_size: int) -> Iterator[TDataItems]:
    """Inventory locations (warehouses, stores); their ``code`` names the stock location."""
    yield from _landable(
        client.v3_pages(LOCATIONS_PATH, {}, page_size), shape_location, "locations"
    )


@dlt.resource(
    name="inventory_items", primary_key=("variant_id", "location_id"), write_disposition="replace"
)
def inventory_items(client: BigCommerceClient, page_size: int) -> Iterator[TDataItems]:
    """Stock of every tracked variant at every location it is stocked at, as it is now."""
    rows_seen = False
    rejects: list[Rejected] = []
    for page in client.v3_pages(INVENTORY_ITEMS_PATH, {}, page_size):
        rows = []
        for item in page:
            landed, rejected = shape_inventory_item(item)
            rows.extend(landed)
            rejects.extend(rejected)
        if rows:
            rows_seen = True
            yield rows
    yield from _finish("inventory_items", rows_seen, rejects)


@dlt.resource(name="orders", primary_key="id", write_disposition="merge")
def orders(
    client: BigCommerceClient,
    page_size: int,
    date_modified: dlt.sources.incremental[dt.datetime] = _ORDERS_CURSOR,
) -> Iterator[TDataItems]:
    """V2 orders changed since the last run (less the re-pull window), oldest id first."""
    params = {"sort": "id:asc"}
    if date_modified.start_value is not None:
        params["min_date_modified"] = _rfc2822(date_modified.start_value)
    yield from _landable(client.v2_pages(ORDERS_PATH, params, page_size), shape_order, "orders")


@dlt.transformer(name="order_products", primary_key="id", write_disposition="merge")
def order_products(changed: Any, client: BigCommerceClient, page_size: int) -> Iterator[TDataItems]:
    """The products of each order landed in this run."""
    yield from _per_order(
        changed, client, page_size, ORDER_PRODUCTS_PATH, shape_order_product, "order_products"
    )


@dlt.transformer(
    name="shipments",
    primary_key="id",
    write_disposition="merge",
    nested_hints=SHIPMENT_NESTED_HINTS,
)
def shipments(changed: Any, client: BigCommerceClient, page_size: int) -> Iterator[TDataItems]:
    """The shipments of each order landed in this run; 204 (none yet) yields nothing."""
    yield from _per_order(
        changed, client, page_size, ORDER_SHIPMENTS_PATH, shape_shipment, "shipments"
    )


@dlt.resource(
    name="refunds",
    primary_key="id",
    write_disposition="merge",
    nested_hints=REFUND_NESTED_HINTS,
)
def refunds(
    client: BigCommerceClient,
    page_size: int,
    created: dlt.sources.incremental[dt.datetime] = _REFUNDS_CURSOR,
) -> Iterator[TDataItems]:
    """V3 refunds created since the last run (less the re-pull window)."""
    params = {}
    if created.start_value is not None:
        params["created:min"] = _rfc3339(created.start_value)
    yield from _landable(client.v3_pages(REFUNDS_PATH, params, page_size), shape_refund, "refunds")


# --- helpers ----------------------------------------------------------------------------------


def _rfc2822(value: dt.datetime) -> str:
    import email.utils

    return email.utils.format_datetime(value.astimezone(dt.UTC).replace(microsecond=0))


def _rfc3339(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _order_ids(changed: Any) -> list[int]:
    # The parent hands over each page of landed orders, its quarantine rows as plain dicts, and
    # an empty list when it landed nothing.
    rows = changed if isinstance(changed, list) else [changed]
    return [
        row["id"]
        for row in rows
        if isinstance(row, dict) and "quarantine_id" not in row and isinstance(row.get("id"), int)
    ]


def _per_order(
    changed: Any,
    client: BigCommerceClient,
    page_size: int,
    path: str,
    shape: Shape,
    table: str,
) -> Iterator[TDataItems]:
    """Each changed order's children; the table is materialised even when none has any."""
    landed = False
    for order_id in _order_ids(changed):
        pages = client.v2_pages(path.format(order_id=order_id), {}, page_size)
        for item in _landable(pages, shape, table, materialize=False):
            landed = landed or isinstance(item, list)
            yield item
    if not landed:
        yield dlt.mark.materialize_table_schema()


Shape = Callable[[Any], tuple[dict[str, Any] | None, Rejected | None]]


def _landable(
    pages: Iterable[Page], shape: Shape, table: str, *, materialize: bool = True
) -> Iterator[TDataItems]:
    return land_pages(pages, shape, source=SOURCE_NAME, table=table, materialize=materialize)


def _finish(table: str, landed: bool, rejects: list[Rejected]) -> Iterator[Any]:
    return finish_landing(source=SOURCE_NAME, table=table, landed=landed, rejects=rejects)
