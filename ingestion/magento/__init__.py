"""dlt source for Magento 2 / Adobe Commerce: catalogue, MSI stock, orders, shipments, credit memos.

Tables (in the pipeline's dataset, ``magento`` by convention):

- ``products`` (``GET /V1/products``): key ``id``; merge, incremental on ``updated_at``.
- ``source_items`` (``GET /V1/inventory/source-items``): key ``sku``, ``source_code``; replace.
- ``salable_quantities`` (``GET /V1/inventory/get-product-salable-quantity/{sku}/{stockId}``,
  one call per SKU with source items): key ``sku``, ``stock_id``; replace.
- ``orders`` (``GET /V1/orders``), ``shipments`` (``GET /V1/shipments``) and
  ``credit_memos`` (``GET /V1/creditmemos``): key ``entity_id``; merge, incremental on
  ``updated_at``.
- ``quarantine``: records that could not be landed, with the reason (merge on
  ``quarantine_id``).

Nested lists become child tables (``orders__items``, ``shipments__tracks``,
``shipments__items``, ``credit_memos__comments``, ``credit_memos__items``); a re-pulled
record's children replace the old ones. Lists page with searchCriteria and stop on
``total_count`` (Magento repeats the last page past the end instead of answering an empty
one). Incremental runs filter ``updated_at gteq`` the last value seen less the re-pull
window, and sort by ``entity_id`` so that a record updated mid-run cannot shift another
past a page boundary.

Committed stock: MSI keeps reservations per stock, not per source. The salable quantity
(``GetProductSalableQty``: in-stock source quantity + reservations − out-of-stock threshold)
is landed per SKU beside the source items; dbt derives committed stock as
``Σ source quantity − salable quantity``, i.e. everything Magento will not sell.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

import dlt
from dlt.common.typing import TDataItems, TSecretStrValue
from dlt.extract.items import DataItemWithMeta
from dlt.sources import DltResource

from ..quarantine import land_pages, quarantine_record, with_quarantine
from .attributes import DEFAULT_ATTRIBUTE_CODES, AttributeConvention
from .client import Filter, MagentoClient, Page, SearchQuery, format_magento_time
from .columns import (
    CREDIT_MEMO_COLUMNS,
    CREDIT_MEMO_NESTED_HINTS,
    ORDER_COLUMNS,
    ORDER_NESTED_HINTS,
    PRODUCT_COLUMNS,
    SALABLE_QUANTITY_COLUMNS,
    SHIPMENT_COLUMNS,
    SHIPMENT_NESTED_HINTS,
    SOURCE_ITEM_COLUMNS,
)
from .exceptions import (
    MagentoApiError,
    MagentoAuthError,
    MagentoConnectionError,
    MagentoError,
    MagentoResponseError,
)
from .records import (
    CREDIT_MEMO,
    SHIPMENT,
    SOURCE_ITEM,
    Rejected,
    parse_magento_time,
    parse_quantity,
    shape,
    shape_order,
    shape_product,
)
from .settings import (
    CREDIT_MEMOS_PATH,
    DEFAULT_PAGE_SIZE,
    DEFAULT_REPULL_WINDOW_MINUTES,
    DEFAULT_REQUEST_BACKOFF_FACTOR,
    DEFAULT_REQUEST_MAX_ATTEMPTS,
    DEFAULT_REQUEST_MAX_RETRY_DELAY_SECONDS,
    DEFAULT_REQUEST_TIMEOUT_SECONDS,
    DEFAULT_STOCK_ID,
    MAX_PAGE_SIZE,
    ORDERS_PATH,
    PRODUCTS_PATH,
    SHIPMENTS_PATH,
    SOURCE_ITEMS_PATH,
)

SOURCE_NAME = "magento"

__all__ = [
    "DEFAULT_ATTRIBUTE_CODES",
    "AttributeConvention",
    "MagentoApiError",
    "MagentoAuthError",
    "MagentoClient",
    "MagentoConnectionError",
    "MagentoError",
    "MagentoResponseError",
    "magento_source",
]

Shape = Callable[[Any], tuple[dict[str, Any] | None, Rejected | None]]


def _cursor(initial: dt.datetime | None = None, lag: float | None = None):
    # Quarantine rows carry no cursor and must pass the incremental filter untouched.
    return dlt.sources.incremental[dt.datetime](
        "updated_at", initial_value=initial, lag=lag, on_cursor_value_missing="include"
    )


# Defaults that let dlt recognise the incremental arguments; the source passes configured ones.
_PRODUCTS_CURSOR = _cursor()
_ORDERS_CURSOR = _cursor()
_SHIPMENTS_CURSOR = _cursor()
_CREDIT_MEMOS_CURSOR = _cursor()


@dlt.source(name=SOURCE_NAME)
def magento_source(
    base_url: str = dlt.config.value,
    access_token: TSecretStrValue | None = dlt.secrets.value,
    username: str | None = None,
    password: TSecretStrValue | None = None,
    store_code: str | None = None,
    stock_id: int = DEFAULT_STOCK_ID,
    attributes: Mapping[str, str] | None = None,
    start_date: str | None = None,
    repull_window_minutes: int = DEFAULT_REPULL_WINDOW_MINUTES,
    page_size: int = DEFAULT_PAGE_SIZE,
    request_timeout: float = DEFAULT_REQUEST_TIMEOUT_SECONDS,
    request_max_attempts: int = DEFAULT_REQUEST_MAX_ATTEMPTS,
    request_backoff_factor: float = DEFAULT_REQUEST_BACKOFF_FACTOR,
    request_max_retry_delay: float = DEFAULT_REQUEST_MAX_RETRY_DELAY_SECONDS,
) -> Sequence[DltResource]:
    """Products, MSI stock, orders, shipments and credit memos of one Magento store.

    Every argument is read from ``[sources.magento]`` in ``.dlt/config.toml`` (credentials
    from ``.dlt/secrets.toml``) or from ``SOURCES__MAGENTO__<ARG>`` environment variables,
    unless passed.

    Args:
        base_url: Store URL, e.g. ``https://shop.example.com``; ``/rest/V1`` is appended.
        access_token: An integration access token (System > Extensions > Integrations), sent
            as ``Authorization: Bearer``. The store must allow integration tokens as
            standalone Bearer tokens (Stores > Configuration > Services > OAuth, off by
            default since 2.4.4). Never logged or shown in an error.
        username: Without an access token: an admin user; the source asks
            ``POST /V1/integration/admin/token`` for a token (valid 4 h by default) and asks
            again when Magento refuses an expired one.
        password: That admin user's password (a secret).
        store_code: Store view code for ``/rest/<store_code>/V1``; None uses the default store.
        stock_id: The MSI stock whose salable quantity gives the committed stock.
        attributes: Product custom attribute codes of the item master, overriding the
            defaults in ``DEFAULT_ATTRIBUTE_CODES`` (``[sources.magento.attributes]``).
        start_date: ISO 8601 date or date-time: the first run pulls products, orders,
            shipments and credit memos updated since then. None pulls everything.
        repull_window_minutes: How far before the last ``updated_at`` seen each incremental
            run starts again; re-pulled records are merged, never duplicated. 0 disables it.
        page_size: ``searchCriteria[pageSize]``, 1 to 300 (the ceiling stores with Web API
            input limits enforce).
        request_timeout: Seconds to wait for a response before the attempt counts as failed.
        request_max_attempts: Attempts per request, the first included, on 429, 5xx,
            timeouts and dropped connections.
        request_backoff_factor: Multiplier of the exponential wait between attempts (seconds).
        request_max_retry_delay: Longest wait between two attempts, ``Retry-After`` included.
    """
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValueError(f"page_size must be between 1 and {MAX_PAGE_SIZE}, got {page_size}")
    if repull_window_minutes < 0:
        raise ValueError(f"repull_window_minutes must not be negative, got {repull_window_minutes}")
    convention = AttributeConvention.from_config(attributes)
    client = MagentoClient(
        base_url,
        access_token=access_token,
        username=username,
        password=password,
        store_code=store_code,
        request_timeout=request_timeout,
        max_attempts=request_max_attempts,
        backoff_factor=request_backoff_factor,
        max_retry_delay=request_max_retry_delay,
    )
    try:
        initial = parse_magento_time(start_date) if start_date else None
    except ValueError:
        raise ValueError(
            f"start_date {start_date!r} is not an ISO 8601 date or date-time, e.g. 2024-01-01"
        ) from None
    lag = repull_window_minutes * 60 or None

    stock = source_items(client, page_size)
    return (
        with_quarantine(
            products(client, page_size, convention, _cursor(initial, lag)), PRODUCT_COLUMNS
        ),
        with_quarantine(stock, SOURCE_ITEM_COLUMNS),
        with_quarantine(stock | salable_quantities(client, stock_id), SALABLE_QUANTITY_COLUMNS),
        with_quarantine(orders(client, page_size, _cursor(initial, lag)), ORDER_COLUMNS),
        with_quarantine(shipments(client, page_size, _cursor(initial, lag)), SHIPMENT_COLUMNS),
        with_quarantine(
            credit_memos(client, page_size, _cursor(initial, lag)), CREDIT_MEMO_COLUMNS
        ),
    )


def _updated_since(cursor: dlt.sources.incremental[dt.datetime]) -> SearchQuery:
    """Records updated since the cursor's start (the re-pull window already deducted).

    Sorted by entity id, which never changes: sorting by updated_at would let a record
    updated during the run move to the end and push another back past a page boundary.
    """
    groups = []
    if cursor.start_value is not None:
        groups.append([Filter("updated_at", format_magento_time(cursor.start_value), "gteq")])
    return SearchQuery(filter_groups=groups, sort_orders=[("entity_id", "ASC")])


@dlt.resource(name="products", primary_key="id", write_disposition="merge")
def products(
    client: MagentoClient,
    page_size: int,
    convention: AttributeConvention,
    updated_at: dlt.sources.incremental[dt.datetime] = _PRODUCTS_CURSOR,
) -> Iterator[TDataItems]:
    """Products updated since the last run, with the item master read from custom attributes."""
    # Products answer `id`, but their collection filters and sorts on `entity_id`.
    pages = client.search_pages(PRODUCTS_PATH, _updated_since(updated_at), page_size, "id")
    yield from _landable(pages, lambda raw: shape_product(raw, convention), "products")


@dlt.resource(name="source_items", primary_key=("sku", "source_code"), write_disposition="replace")
def source_items(client: MagentoClient, page_size: int) -> Iterator[TDataItems]:
    """Every MSI source item (quantity on hand per SKU and source), each run.

    Source items carry no timestamp, so they cannot be pulled incrementally; ``pulled_at``
    records when this run read them.
    """
    pulled_at = dt.datetime.now(dt.UTC)
    query = SearchQuery(sort_orders=[("sku", "ASC"), ("source_code", "ASC")])
    pages = client.search_pages(SOURCE_ITEMS_PATH, query, page_size, "sku")

    def stamped(raw: Any) -> tuple[dict[str, Any] | None, Rejected | None]:
        row, rejected = shape(raw, SOURCE_ITEM)
        if row is not None:
            row["pulled_at"] = pulled_at
        return row, rejected

    yield from _landable(pages, stamped, "source_items", ref_of=_source_item_ref)


def salable_quantities(client: MagentoClient, stock_id: int) -> DltResource:
    """The salable quantity of every SKU with source items, on one stock (one call per SKU)."""
    asked: set[str] = set()

    @dlt.transformer(
        name="salable_quantities",
        primary_key=("sku", "stock_id"),
        write_disposition="replace",
    )
    def salable(page: TDataItems) -> Iterator[TDataItems]:
        pulled_at = dt.datetime.now(dt.UTC)
        rows = []
        for item in page if isinstance(page, list) else [page]:
            # Quarantined source items reach the transformer too; only landed ones count.
            sku = item.get("sku") if isinstance(item, dict) else None
            if not sku or "source_code" not in item or sku in asked:
                continue
            asked.add(sku)
            raw = client.salable_quantity(sku, stock_id)
            try:
                quantity = parse_quantity(raw)
            except ValueError as error:
                yield _quarantine(
                    "salable_quantities",
                    Rejected(sku, f"salable quantity of {sku}: {error}", raw),
                )
                continue
            rows.append(
                {
                    "sku": sku,
                    "stock_id": stock_id,
                    "salable_quantity": quantity,
                    "pulled_at": pulled_at,
                }
            )
        if rows:
            yield rows

    return salable


@dlt.resource(
    name="orders",
    primary_key="entity_id",
    write_disposition="merge",
    nested_hints=ORDER_NESTED_HINTS,
)
def orders(
    client: MagentoClient,
    page_size: int,
    updated_at: dlt.sources.incremental[dt.datetime] = _ORDERS_CURSOR,
) -> Iterator[TDataItems]:
    """Orders updated since the last run (less the re-pull window), items nested.

    Only the fields in ``records.ORDER`` land: no customer name, e-mail, address or phone.
    """
    pages = client.search_pages(ORDERS_PATH, _updated_since(updated_at), page_size, "entity_id")
    yield from _landable(pages, shape_order, "orders")


@dlt.resource(
    name="shipments",
    primary_key="entity_id",
    write_disposition="merge",
    nested_hints=SHIPMENT_NESTED_HINTS,
)
def shipments(
    client: MagentoClient,
    page_size: int,
    updated_at: dlt.sources.incremental[dt.datetime] = _SHIPMENTS_CURSOR,
) -> Iterator[TDataItems]:
    """Shipments updated since the last run, with their items and tracks."""
    pages = client.search_pages(SHIPMENTS_PATH, _updated_since(updated_at), page_size, "entity_id")
    yield from _landable(pages, lambda raw: shape(raw, SHIPMENT), "shipments")


@dlt.resource(
    name="credit_memos",
    primary_key="entity_id",
    write_disposition="merge",
    nested_hints=CREDIT_MEMO_NESTED_HINTS,
)
def credit_memos(
    client: MagentoClient,
    page_size: int,
    updated_at: dlt.sources.incremental[dt.datetime] = _CREDIT_MEMOS_CURSOR,
) -> Iterator[TDataItems]:
    """Credit memos updated since the last run, with their items and comments."""
    pages = client.search_pages(
        CREDIT_MEMOS_PATH, _updated_since(updated_at), page_size, "entity_id"
    )
    yield from _landable(pages, lambda raw: shape(raw, CREDIT_MEMO), "credit_memos")


def _source_item_ref(row: dict[str, Any]) -> str:
    # Source items have no id of their own: SKU and source name one.
    return f"{row.get('sku') or '<no sku>'} at {row.get('source_code') or '<no source_code>'}"


def _landable(
    pages: Iterable[Page],
    shape_one: Shape,
    table: str,
    ref_of: Callable[[dict[str, Any]], str] | None = None,
) -> Iterator[TDataItems]:
    """Land the pages; `ref_of` names a reject by the record's own key when shaping cannot."""

    def shape(raw: Any) -> tuple[dict[str, Any] | None, Rejected | None]:
        row, rejected = shape_one(raw)
        if rejected is not None and ref_of is not None and isinstance(raw, dict):
            rejected = Rejected(ref_of(raw), rejected.reason, rejected.raw)
        return row, rejected

    return land_pages(pages, shape, source=SOURCE_NAME, table=table)


def _quarantine(table: str, rejected: Rejected) -> DataItemWithMeta:
    return quarantine_record(
        source=SOURCE_NAME,
        entity=table,
        record_ref=rejected.record_ref,
        reason=rejected.reason,
        raw=rejected.raw,
    )
