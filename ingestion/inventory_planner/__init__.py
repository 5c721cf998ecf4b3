"""dlt source for Inventory Planner (Sage): variants with stock, forecast and replenishment,
and purchase orders.

Inventory Planner is a planning tool beside the ERP, landed when ``[recon] extra_sources``
lists ``inventory_planner``. Its forecast velocity ranks stock mismatches by oversell risk, and
its stock is checked against the ERP's (``planning_stock_drift``).

Tables (in the pipeline's dataset, ``inventory_planner`` by convention):

| table | call | key | disposition |
|---|---|---|---|
| ``variants`` | ``GET /api/v1/variants`` | ``id`` | replace: the full list each run |
| ``variants__warehouse`` | (nested) | ``variant_id``, ``id`` | replaced with its variant |
| ``purchase_orders`` | ``GET /api/v1/purchase-orders`` | ``id`` | merge, every order re-pulled |
| ``purchase_orders__items`` | (nested) | ``purchase_order_id``, ``id`` | replaced with its order |
| ``quarantine`` | | ``quarantine_id`` | merge: records that could not be landed, with the reason |

The API documents no incremental filter, so every run reads both collections in full
(``page``/``limit`` paging, stopping on ``meta.end``), asking only for the fields it lands.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import dlt
from dlt.common.typing import TDataItems
from dlt.sources import DltResource

from ..quarantine import land_pages, with_quarantine
from .client import InventoryPlannerClient, Page
from .columns import (
    PURCHASE_ORDER_COLUMNS,
    PURCHASE_ORDER_NESTED_HINTS,
    VARIANT_COLUMNS,
    VARIANT_NESTED_HINTS,
)
from .errors import (
    InventoryPlannerApiError,
    InventoryPlannerAuthError,
    InventoryPlannerConnectionError,
    InventoryPlannerError,
    InventoryPlannerResponseError,
)
from .records import Rejected, shape_purchase_order, shape_variant
from .settings import (
    DEFAULT_BASE_URL,
    DEFAULT_PAGE_SIZE,
    DEFAULT_REQUEST_BACKOFF_FACTOR,
    DEFAULT_REQUEST_MAX_ATTEMPTS,
    DEFAULT_REQUEST_MAX_RETRY_DELAY_SECONDS,
    DEFAULT_REQUEST_TIMEOUT_SECONDS,
    MAX_PAGE_SIZE,
    PURCHASE_ORDER_FIELDS,
    PURCHASE_ORDERS_PATH,
    VARIANT_FIELDS,
    VARIANTS_PATH,
)

SOURCE_NAME = "inventory_planner"

__all__ = [
    "InventoryPlannerApiError",
    "InventoryPlannerAuthError",
    "InventoryPlannerClient",
    "InventoryPlannerConnectionError",
    "InventoryPlannerError",
    "InventoryPlannerResponseError",
    "inventory_planner_source",
]

Shape = Callable[[Any], tuple[dict[str, Any] | None, Rejected | None]]


@dlt.source(name=SOURCE_NAME)
def inventory_planner_source(
    base_url: str = DEFAULT_BASE_URL,
    api_key: str = dlt.secrets.value,
    account_id: str = dlt.secrets.value,
    page_size: int = DEFAULT_PAGE_SIZE,
    request_timeout: float = DEFAULT_REQUEST_TIMEOUT_SECONDS,
    request_max_attempts: int = DEFAULT_REQUEST_MAX_ATTEMPTS,
    request_backoff_factor: float = DEFAULT_REQUEST_BACKOFF_FACTOR,
    request_max_retry_delay: float = DEFAULT_REQUEST_MAX_RETRY_DELAY_SECONDS,
) -> Sequence[DltResource]:
    """Variants (stock per warehouse, forecast velocity, replenishment) and purchase orders.

    Every argument is read from ``[sources.inventory_planner]`` in ``.dlt/config.toml`` (the
    key and account from ``.dlt/secrets.toml``) or from ``SOURCES__INVENTORY_PLANNER__<ARG>``
    environment variables, unless passed.

    Args:
        base_url: The API host, ``https://app.inventory-planner.com`` unless pointed at a
            sandbox; ``/api/v1`` is appended.
        api_key: The API key (Account > Settings > API; its user needs full account access).
            Sent raw in the ``Authorization`` header, never logged or shown in an error.
        account_id: The account id, sent in the ``Account`` header.
        page_size: Items per page (``limit``), 1 to 1000.
        request_timeout: Seconds to wait for a response before the attempt counts as failed.
        request_max_attempts: Attempts per request, the first included, on 429, 5xx, timeouts
            and dropped connections.
        request_backoff_factor: Multiplier of the exponential wait between attempts (seconds).
        request_max_retry_delay: Longest wait between two attempts in seconds, ``Retry-After``
            included.

    Returns:
        The resources ``variants`` and ``purchase_orders``.
    """
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValueError(f"page_size must be between 1 and {MAX_PAGE_SIZE}, got {page_size}")
    client = InventoryPlannerClient(
        base_url,
        api_key,
        account_id,
        request_timeout=request_timeout,
        max_attempts=request_max_attempts,
        backoff_factor=request_backoff_factor,
        max_retry_delay=request_max_retry_delay,
    )
    # Column types are applied after the quarantine variant exists, so rejects land in a
    # quarantine table of their own shape (see ingestion/quarantine.py).
    return (
        with_quarantine(variants(client, page_size), VARIANT_COLUMNS),
        with_quarantine(purchase_orders(client, page_size), PURCHASE_ORDER_COLUMNS),
    )


@dlt.resource(
    name="variants",
    primary_key="id",
    write_disposition="replace",
    nested_hints=VARIANT_NESTED_HINTS,
)
def variants(client: InventoryPlannerClient, page_size: int) -> Iterator[TDataItems]:
    """Every variant, removed ones included (``removed`` tells them apart), sorted by id so that
    a page boundary stays put while the list is read."""
    pages = client.pages(
        VARIANTS_PATH,
        "variants",
        fields=VARIANT_FIELDS,
        params={"id_sort": "asc"},
        page_size=page_size,
    )
    yield from _landable(pages, shape_variant, "variants")


@dlt.resource(
    name="purchase_orders",
    primary_key="id",
    write_disposition="merge",
    nested_hints=PURCHASE_ORDER_NESTED_HINTS,
)
def purchase_orders(client: InventoryPlannerClient, page_size: int) -> Iterator[TDataItems]:
    """Every purchase order with its items; re-pulled orders are merged in place."""
    pages = client.pages(
        PURCHASE_ORDERS_PATH,
        "purchase-orders",
        fields=PURCHASE_ORDER_FIELDS,
        params={"id_sort": "asc"},
        page_size=page_size,
    )
    yield from _landable(pages, shape_purchase_order, "purchase_orders")


def _landable(pages: Iterable[Page], shape: Shape, table: str) -> Iterator[TDataItems]:
    return land_pages(pages, shape, source=SOURCE_NAME, table=table)
