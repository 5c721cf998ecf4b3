"""dlt source for Microsoft Dynamics 365 Business Central (online), API v2.0.

Tables (in the pipeline's dataset, ``business_central`` by convention):

| table | entity set | disposition |
|---|---|---|
| ``company_information`` | ``companyInformation`` | replace |
| ``items`` | ``items`` | merge, incremental |
| ``accounts`` | ``accounts`` | replace |
| ``customer_return_reasons`` | ``customerReturnReasons`` | replace |
| ``sales_orders`` (+ lines) | ``salesOrders`` + ``salesOrderLines`` | replace |
| ``sales_invoices`` (+ lines) | ``salesInvoices`` + ``salesInvoiceLines`` | merge, incremental |
| ``sales_shipments`` (+ lines) | ``salesShipments`` + ``salesShipmentLines`` | merge, incr. |
| ``sales_credit_memos`` | ``salesCreditMemos`` | merge, incremental |
| ``general_ledger_entries`` (+ dims) | ``generalLedgerEntries`` + dimensions | merge, incr. |
| ``shipment_trackings`` | custom page: carrier and tracking | merge, incremental |
| ``item_location_stocks`` | custom page: stock per location | merge, incremental |
| ``marketplace_items`` | custom page: marketplace fields of items | merge, incremental |
| ``quarantine`` | | entities that could not be landed, with the reason |

Incremental tables are read with ``$filter=lastModifiedDateTime gt <newest seen − re-pull
window>`` and merged on ``id``, so reruns never duplicate and pick up changed records.
``salesOrders`` is re-read whole each run: Business Central deletes an order once it is
shipped and invoiced (its history is the posted invoice) or when it is cancelled, and a date
filter cannot see a deletion.

The last three tables come from the custom API pages of a marketplace extension
(``custom_api_path``); the standard pages have no carrier or tracking number on shipments, no
stock per location and no marketplace fields on items (see README, "Business Central").
Without ``custom_api_path`` those tables are created empty.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import dlt
from dlt.common.typing import TDataItems
from dlt.sources import DltResource

from recon.timestamps import parse_utc

from ..quarantine import quarantine_record, with_quarantine
from .client import BusinessCentralClient, Page
from .entities import ENTITIES, EntitySpec, dlt_columns, nested_hints
from .exceptions import (
    BusinessCentralApiError,
    BusinessCentralAuthError,
    BusinessCentralConnectionError,
    BusinessCentralError,
    BusinessCentralResponseError,
    CompanyNotFound,
)
from .records import Rejected, shape
from .settings import (
    DEFAULT_BASE_URL,
    DEFAULT_ITEM_LOCATION_STOCKS_PAGE,
    DEFAULT_LOGIN_URL,
    DEFAULT_MARKETPLACE_ITEMS_PAGE,
    DEFAULT_REPULL_WINDOW_MINUTES,
    DEFAULT_REQUEST_BACKOFF_FACTOR,
    DEFAULT_REQUEST_MAX_ATTEMPTS,
    DEFAULT_REQUEST_MAX_RETRY_DELAY_SECONDS,
    DEFAULT_REQUEST_TIMEOUT_SECONDS,
    DEFAULT_SHIPMENT_TRACKINGS_PAGE,
)

SOURCE_NAME = "business_central"
CURSOR = "last_modified_date_time"

logger = logging.getLogger("ingestion.business_central")

# A default that lets dlt recognise the incremental argument; the source passes a configured
# one. Quarantine rows carry no cursor and must pass the incremental filter untouched.
_DEFAULT_CURSOR = dlt.sources.incremental[dt.datetime](CURSOR, on_cursor_value_missing="include")

__all__ = [
    "BusinessCentralApiError",
    "BusinessCentralAuthError",
    "BusinessCentralClient",
    "BusinessCentralConnectionError",
    "BusinessCentralError",
    "BusinessCentralResponseError",
    "CompanyNotFound",
    "business_central_source",
]


@dlt.source(name=SOURCE_NAME)
def business_central_source(
    tenant: str = dlt.secrets.value,
    client_id: str = dlt.secrets.value,
    client_secret: str = dlt.secrets.value,
    company: str = dlt.config.value,
    environment: str = "production",
    base_url: str = DEFAULT_BASE_URL,
    login_url: str = DEFAULT_LOGIN_URL,
    custom_api_path: str | None = None,
    shipment_trackings_page: str = DEFAULT_SHIPMENT_TRACKINGS_PAGE,
    item_location_stocks_page: str = DEFAULT_ITEM_LOCATION_STOCKS_PAGE,
    marketplace_items_page: str = DEFAULT_MARKETPLACE_ITEMS_PAGE,
    start_date: str | None = None,
    repull_window_minutes: int = DEFAULT_REPULL_WINDOW_MINUTES,
    page_size: int | None = None,
    request_timeout: float = DEFAULT_REQUEST_TIMEOUT_SECONDS,
    request_max_attempts: int = DEFAULT_REQUEST_MAX_ATTEMPTS,
    request_backoff_factor: float = DEFAULT_REQUEST_BACKOFF_FACTOR,
    request_max_retry_delay: float = DEFAULT_REQUEST_MAX_RETRY_DELAY_SECONDS,
) -> Sequence[DltResource]:
    """Items, stock, sales documents, shipments, credit memos and the ledger of one company.

    Every argument is read from ``[sources.business_central]`` in ``.dlt/config.toml`` (the
    credentials from ``.dlt/secrets.toml``) or from ``SOURCES__BUSINESS_CENTRAL__<ARG>``
    environment variables, unless passed.

    Args:
        tenant: Microsoft Entra tenant id (or primary domain) of the environment.
        client_id: Application (client) id of the Entra app registered in Business Central.
        client_secret: That app's client secret value: sent only to the token endpoint, never
            logged or shown in an error.
        company: The company's name (as on the Companies page) or its id.
        environment: The Business Central environment, e.g. ``production`` or ``sandbox``.
        base_url: The API host; ``https://api.businesscentral.dynamics.com`` online.
        login_url: The Entra host issuing tokens; ``https://login.microsoftonline.com``.
        custom_api_path: ``<publisher>/<group>/<version>`` of the marketplace extension's API
            pages, e.g. ``contoso/marketplace/v1.0``. ``None``: not installed.
        shipment_trackings_page: Entity set of the page exposing each posted shipment's
            shipping agent and package tracking number.
        item_location_stocks_page: Entity set of the page exposing stock per item and location.
        marketplace_items_page: Entity set of the page exposing an item's Mirakl shop SKU,
            listing flag, sellable units per base unit and marketplace safety stock.
        start_date: ISO 8601 date or date-time: the first run reads records modified since
            then. ``None`` reads everything. Later runs continue from the newest seen.
        repull_window_minutes: How far before the newest ``lastModifiedDateTime`` seen each
            incremental run starts again; re-read records are merged, never duplicated.
        page_size: Ask for pages of at most this many entities (``Prefer:
            odata.maxpagesize``); ``None`` keeps the server's page size (20,000 online).
        request_timeout: Seconds to wait for a response before the attempt counts as failed.
        request_max_attempts: Attempts per request on 429, 5xx, timeouts and dropped connections.
        request_backoff_factor: Multiplier of the exponential wait between attempts (seconds).
        request_max_retry_delay: Longest wait between two attempts, ``Retry-After`` included.
    """
    if repull_window_minutes < 0:
        raise ValueError(f"repull_window_minutes must not be negative, got {repull_window_minutes}")
    client = BusinessCentralClient(
        base_url=base_url,
        login_url=login_url,
        tenant=tenant,
        environment=environment,
        client_id=client_id,
        client_secret=client_secret,
        page_size=page_size,
        request_timeout=request_timeout,
        max_attempts=request_max_attempts,
        backoff_factor=request_backoff_factor,
        max_retry_delay=request_max_retry_delay,
    )
    try:
        initial = _parse_start(start_date) if start_date else None
    except ValueError:
        raise ValueError(
            f"start_date {start_date!r} is not an ISO 8601 date or date-time, e.g. 2024-01-01"
        ) from None
    location = _Company(client, company)
    custom_pages = {
        "shipmentTrackings": shipment_trackings_page,
        "itemLocationStocks": item_location_stocks_page,
        "marketplaceItems": marketplace_items_page,
    }
    custom_path = (custom_api_path or "").strip().strip("/") or None
    if custom_path is not None and len(custom_path.split("/")) != 3:
        raise ValueError(
            f"custom_api_path {custom_api_path!r} must be <publisher>/<group>/<version>, "
            "e.g. contoso/marketplace/v1.0"
        )
    lag = repull_window_minutes * 60 or None

    def entity_url(spec: EntitySpec) -> Callable[[], str] | None:
        if not spec.custom:
            return lambda: f"{client.standard_root(location.id())}/{spec.entity_set}"
        if custom_path is None:
            return None
        page = custom_pages[spec.entity_set]
        return lambda: f"{client.custom_root(custom_path, location.id())}/{page}"

    # Column types are applied after the quarantine variant exists (ingestion/quarantine.py).
    return [
        with_quarantine(
            _entity_resource(spec, client, entity_url(spec), initial, lag),
            dlt_columns(spec.fields, spec.required),
        )
        for spec in ENTITIES
    ]


class _Company:
    """The company id, looked up once on first use (so building the source makes no call)."""

    def __init__(self, client: BusinessCentralClient, company: str) -> None:
        self._client = client
        self._company = company
        self._id: str | None = None
        self._lock = threading.Lock()

    def id(self) -> str:
        with self._lock:
            if self._id is None:
                self._id = self._client.company_id(self._company)
            return self._id


def _parse_start(text: str) -> dt.datetime:
    value = text.strip()
    if len(value) == 10:
        value += "T00:00:00Z"
    return parse_utc(value)


def _odata_datetime(value: dt.datetime) -> str:
    value = value.astimezone(dt.UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def _entity_resource(
    spec: EntitySpec,
    client: BusinessCentralClient,
    url: Callable[[], str] | None,
    initial: dt.datetime | None,
    lag: float | None,
) -> DltResource:
    hints: dict[str, Any] = {
        "name": spec.table,
        "primary_key": "id",
        "write_disposition": "merge" if spec.incremental else "replace",
    }
    nested = nested_hints(spec)
    if nested:
        hints["nested_hints"] = nested

    def pages(params: dict[str, Any]) -> Iterator[Page]:
        if url is None:
            return iter(())
        if spec.lines is not None:
            params["$expand"] = spec.lines.navigation
        return client.pages(url(), params)

    if spec.incremental:

        @dlt.resource(**hints)
        def incremental_rows(
            modified: dlt.sources.incremental[dt.datetime] = _DEFAULT_CURSOR,
        ) -> Iterator[TDataItems]:
            params: dict[str, Any] = {}
            if modified.start_value is not None:
                since = _odata_datetime(modified.start_value)
                params["$filter"] = f"lastModifiedDateTime gt {since}"
            if url is None:
                _log_not_installed(spec)
            yield from _landable(pages(params), spec)

        return incremental_rows(
            dlt.sources.incremental[dt.datetime](
                CURSOR, initial_value=initial, lag=lag, on_cursor_value_missing="include"
            )
        )

    @dlt.resource(**hints)
    def all_rows() -> Iterator[TDataItems]:
        yield from _landable(pages({}), spec)

    return all_rows()


def _log_not_installed(spec: EntitySpec) -> None:
    logger.warning(
        "%s: no custom_api_path configured, so the custom page %s is not read and the table "
        "stays empty (see README, Business Central)",
        spec.table,
        spec.entity_set,
    )


def _landable(pages: Iterable[Page], spec: EntitySpec) -> Iterator[TDataItems]:
    """Each page's landable rows as one list, then each reject as a quarantine row.

    A listing with no landable row still materialises its table, so that downstream models
    always find it, and an emptied ``replace`` table is emptied in the warehouse too.
    """
    rejects: list[Rejected] = []
    landed = False
    for page in pages:
        rows = []
        for raw in page:
            row, rejected = shape(raw, spec)
            if row is not None:
                rows.append(row)
            elif rejected is not None:
                rejects.append(rejected)
        if rows:
            landed = True
            yield rows
    if not landed:
        yield dlt.mark.materialize_table_schema()
    # Rejects go last: a cursor-less row reaching dlt's incremental (with a lag) before the
    # first landable row upsets its start-of-run bookkeeping.
    for rejected in rejects:
        yield quarantine_record(
            source=SOURCE_NAME,
            entity=spec.table,
            record_ref=rejected.record_ref,
            reason=rejected.reason,
            raw=rejected.raw,
        )
