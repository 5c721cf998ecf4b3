"""dlt source for the Mirakl seller API: orders, offers, carriers, reasons and the money trail.

Tables (in the pipeline's dataset, ``mirakl`` by convention):

| table | Mirakl call | key | disposition |
|---|---|---|---|
| ``orders`` | OR11 | ``order_id`` | merge, incremental on ``last_updated_date`` |
| ``offers`` | OF21 | ``offer_id`` | replace |
| ``carriers`` | SH21 | ``code`` | replace |
| ``reasons`` | RE01 | ``code`` | replace |
| ``transaction_logs`` | TL02 | ``id`` | merge, incremental on ``last_updated`` |
| ``billing_cycles`` | SBC11 | ``id`` | merge, every cycle re-pulled |
| ``invoices`` | IV01 | ``id`` | merge, every document re-pulled |
| ``quarantine`` | | ``quarantine_id`` | merge: items that could not be landed, with the reason |

Order lines land in ``orders__order_lines``, their refunds in ``orders__order_lines__refunds``
and every other list of an order in a table named after its path, as dlt's nested tables are
named; orders reach dlt as arrow tables (``order_tables.py``), and a re-pulled order's nested
rows replace its old ones.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import dlt
from dlt.common.typing import TDataItems
from dlt.sources import DltResource

from ..quarantine import finish_landing, land_pages, with_quarantine
from .columns import (
    BILLING_CYCLE_COLUMNS,
    CARRIER_COLUMNS,
    INVOICE_COLUMNS,
    INVOICE_NESTED_HINTS,
    OFFER_COLUMNS,
    OFFER_NESTED_HINTS,
    ORDER_COLUMNS,
    REASON_COLUMNS,
    TRANSACTION_LOG_COLUMNS,
)
from .exceptions import (
    MiraklApiError,
    MiraklAuthError,
    MiraklConnectionError,
    MiraklError,
    MiraklResponseError,
)
from .helpers import MiraklClient, Page, format_api_datetime
from .order_export import exported_order_pages
from .order_tables import DECLARED, order_tables, prune_superseded_order_rows
from .records import Rejected, parse_timestamp, shape_keyed, shape_transaction_log
from .settings import (
    BILLING_CYCLES_MAX_PAGE_SIZE,
    BILLING_CYCLES_PATH,
    CARRIERS_PATH,
    DEFAULT_EXPORT_POLL_INTERVAL_SECONDS,
    DEFAULT_EXPORT_TIMEOUT_SECONDS,
    DEFAULT_REPULL_WINDOW_MINUTES,
    DEFAULT_REQUEST_BACKOFF_FACTOR,
    DEFAULT_REQUEST_MAX_ATTEMPTS,
    DEFAULT_REQUEST_MAX_RETRY_DELAY_SECONDS,
    DEFAULT_REQUEST_TIMEOUT_SECONDS,
    INVOICES_PATH,
    OFFERS_PATH,
    OFFSET_MAX_PAGE_SIZE,
    ORDER_BACKFILL_MODES,
    ORDERS_PATH,
    REASONS_PATH,
    TRANSACTION_LOGS_MAX_PAGE_SIZE,
    TRANSACTION_LOGS_PATH,
)

SOURCE_NAME = "mirakl"

__all__ = [
    "MiraklApiError",
    "MiraklAuthError",
    "MiraklClient",
    "MiraklConnectionError",
    "MiraklError",
    "MiraklResponseError",
    "after_load",
    "landed_order_pages",
    "mirakl_source",
]

Shape = Callable[[Any], tuple[dict[str, Any] | None, Rejected | None]]

# A default that lets dlt recognise the incremental argument; the source passes a configured one.
# Quarantine rows carry no cursor and must pass the incremental filter untouched.
_TRANSACTION_LOGS_CURSOR = dlt.sources.incremental[dt.datetime](
    "last_updated", on_cursor_value_missing="include"
)


@dlt.source(name=SOURCE_NAME)
def mirakl_source(
    base_url: str = dlt.config.value,
    api_key: str = dlt.secrets.value,
    shop_id: int | None = None,
    start_date: str | None = None,
    repull_window_minutes: int = DEFAULT_REPULL_WINDOW_MINUTES,
    page_size: int = OFFSET_MAX_PAGE_SIZE,
    seek_page_size: int | None = None,
    request_timeout: float = DEFAULT_REQUEST_TIMEOUT_SECONDS,
    request_max_attempts: int = DEFAULT_REQUEST_MAX_ATTEMPTS,
    request_backoff_factor: float = DEFAULT_REQUEST_BACKOFF_FACTOR,
    request_max_retry_delay: float = DEFAULT_REQUEST_MAX_RETRY_DELAY_SECONDS,
    order_backfill: str = "paging",
    export_poll_interval: float = DEFAULT_EXPORT_POLL_INTERVAL_SECONDS,
    export_timeout: float = DEFAULT_EXPORT_TIMEOUT_SECONDS,
    export_items_per_chunk: int | None = None,
) -> Sequence[DltResource]:
    """Orders, offers, carriers, reasons, transactions, billing cycles and invoices of one shop.

    Every argument is read from ``[sources.mirakl]`` in ``.dlt/config.toml`` (the key from
    ``.dlt/secrets.toml``) or from ``SOURCES__MIRAKL__<ARG>`` environment variables, unless passed.

    Customer personal data (names, addresses, phones, the notification e-mail) is never landed:
    of ``customer`` only ``customer_id`` and ``locale`` are kept, which is all reconciliation
    needs to tell orders apart.

    Args:
        base_url: Instance URL, e.g. ``https://acme.mirakl.net``; ``/api`` is appended, and a
            trailing ``/api`` or ``/`` given here is accepted.
        api_key: The shop API key (Mirakl back office, user settings). Sent raw in the
            ``Authorization`` header, never logged or shown in an error.
        shop_id: Shop to act as, for keys whose user has several shops; sent as ``shop_id`` on
            every call. ``None`` uses the user's default shop.
        start_date: ISO 8601 date or date-time: the first run of ``orders`` and
            ``transaction_logs`` pulls records updated since then. ``None`` pulls the whole
            history. Later runs continue from the last update seen.
        repull_window_minutes: How far before the last update seen each incremental run starts
            again, to catch edits that reach the API late. Re-pulled records are merged, so
            they never duplicate. ``0`` disables the window.
        page_size: Items per page of the offset-paginated calls (OR11, OF21, IV01), 1 to 100.
        seek_page_size: Items per page of the seek-paginated calls (TL02 up to 2000, SBC11 up
            to 1000). ``None`` uses each call's maximum.
        request_timeout: Seconds to wait for a response before the attempt counts as failed.
        request_max_attempts: Attempts per request, the first included, on 429, 5xx, timeouts
            and dropped connections.
        request_backoff_factor: Multiplier of the exponential wait between attempts (seconds).
        request_max_retry_delay: Longest wait between two attempts in seconds, Mirakl's
            ``Retry-After`` included.
        order_backfill: How the first run of ``orders`` pulls history: ``paging`` (OR11, 100
            orders a call) or ``async_export`` (one OR13 export, polled with OR14, downloaded
            with OR15; Mirakl's recommendation for large volumes). Later runs page OR11 from
            the last update seen either way.
        export_poll_interval: Seconds between two OR14 polls (Mirakl allows one every 2 s and
            recommends 10 s).
        export_timeout: Seconds to wait for an export to complete before the run fails.
        export_items_per_chunk: Orders per export file (Mirakl: 10,000 to 1,000,000);
            ``None`` leaves Mirakl's default.

    Returns:
        The resources ``orders``, ``offers``, ``carriers``, ``reasons``, ``transaction_logs``,
        ``billing_cycles`` and ``invoices``.
    """
    if not 1 <= page_size <= OFFSET_MAX_PAGE_SIZE:
        raise ValueError(f"page_size must be between 1 and {OFFSET_MAX_PAGE_SIZE}, got {page_size}")
    if seek_page_size is not None and seek_page_size < 1:
        raise ValueError(f"seek_page_size must be positive, got {seek_page_size}")
    if order_backfill not in ORDER_BACKFILL_MODES:
        raise ValueError(
            f"order_backfill must be one of {', '.join(ORDER_BACKFILL_MODES)}, "
            f"got {order_backfill!r}"
        )
    if repull_window_minutes < 0:
        raise ValueError(f"repull_window_minutes must not be negative, got {repull_window_minutes}")
    client = MiraklClient(
        base_url,
        api_key,
        shop_id,
        request_timeout=request_timeout,
        max_attempts=request_max_attempts,
        backoff_factor=request_backoff_factor,
        max_retry_delay=request_max_retry_delay,
    )
    try:
        initial = parse_timestamp(start_date) if start_date else None
    except ValueError:
        raise ValueError(
            f"start_date {start_date!r} is not an ISO 8601 date or date-time, e.g. 2024-01-01"
        ) from None
    lag = repull_window_minutes * 60 or None

    def seek_size(maximum: int) -> int:
        return min(seek_page_size or maximum, maximum)

    # Column types are applied after the quarantine variant exists, so rejects land in a
    # quarantine table of their own shape (see ingestion/quarantine.py).
    return (
        with_quarantine(
            orders(
                client,
                page_size,
                OrderBackfill(
                    order_backfill, export_poll_interval, export_timeout, export_items_per_chunk
                ),
                OrderCursor(initial, lag),
            ),
            {},  # each order table is yielded with its own hints
        ),
        with_quarantine(offers(client, page_size), OFFER_COLUMNS),
        with_quarantine(carriers(client), CARRIER_COLUMNS),
        with_quarantine(reasons(client), REASON_COLUMNS),
        with_quarantine(
            transaction_logs(
                client,
                seek_size(TRANSACTION_LOGS_MAX_PAGE_SIZE),
                dlt.sources.incremental[dt.datetime](
                    "last_updated",
                    initial_value=initial,
                    lag=lag,
                    on_cursor_value_missing="include",
                ),
            ),
            TRANSACTION_LOG_COLUMNS,
        ),
        with_quarantine(
            billing_cycles(client, seek_size(BILLING_CYCLES_MAX_PAGE_SIZE)), BILLING_CYCLE_COLUMNS
        ),
        with_quarantine(invoices(client, page_size), INVOICE_COLUMNS),
    )


@dlt.resource(name="orders", primary_key="order_id", write_disposition="merge")
def orders(
    client: MiraklClient, page_size: int, backfill: OrderBackfill, cursor: OrderCursor
) -> Iterator[TDataItems]:
    """Orders updated since the last run (less the re-pull window), lines in nested tables.

    OR11 pages, or on the first run with ``async_export`` one OR13 export of the history.
    Each page is yielded as arrow tables (``order_tables.py``): ``orders`` and one table per
    nested list, each merged on its own key; ``after_load`` prunes rows a newer version dropped.
    The cursor is kept in the resource state rather than by ``dlt.sources.incremental``, which
    would filter the nested tables by their own ``last_updated_date``.
    """
    state = dlt.current.resource_state()
    start = cursor.start(state)
    if backfill.mode == "async_export" and not state.get("backfilled_until"):
        until = dt.datetime.now(dt.UTC)
        pages = exported_order_pages(
            client,
            start,
            until,
            poll_interval=backfill.poll_interval,
            timeout=backfill.timeout,
            items_per_chunk=backfill.items_per_chunk,
        )
        yield from landed_order_pages(pages, start, state)
        state["backfilled_until"] = format_api_datetime(until)
        return
    params = {}
    if start is not None:
        params["start_update_date"] = format_api_datetime(start)
    pages = client.offset_pages(ORDERS_PATH, "orders", params, page_size)
    yield from landed_order_pages(pages, start, state)


@dataclass(frozen=True)
class OrderCursor:
    """Where a run of ``orders`` starts: the newest update seen, less the re-pull window."""

    initial: dt.datetime | None
    lag_seconds: float | None

    def start(self, state: dict[str, Any]) -> dt.datetime | None:
        seen = state.get(_CURSOR_STATE)
        if seen is None:
            # Warehouses landed before the cursor moved here keep dlt's incremental state.
            legacy = state.get("incremental", {}).get("last_updated_date", {})
            seen = legacy.get("last_value")
        if seen is None:
            return self.initial
        newest = parse_timestamp(seen)
        return newest - dt.timedelta(seconds=self.lag_seconds or 0)


_CURSOR_STATE = "last_updated_date"


def landed_order_pages(
    pages: Iterable[Page], start: dt.datetime | None, state: dict[str, Any]
) -> Iterator[TDataItems]:
    """Each page's tables, then the rejects; the cursor moves once every page is read.

    The landing path of the ``orders`` resource, whatever the pages come from (OR11, an OR13
    export, or order pages read from files).
    """
    rejects: list[Rejected] = []
    landed = False
    seen = state.get(_CURSOR_STATE)
    newest = parse_timestamp(seen) if seen is not None else None
    hints: dict[str, Any] = {}
    for page in pages:
        batch = order_tables(page, since=start)
        rejects.extend(batch.rejected)
        if batch.newest_update is not None and (newest is None or batch.newest_update > newest):
            newest = batch.newest_update
        for table_name, table in batch.tables.items():
            landed = True
            if table_name not in hints:
                hints[table_name] = _order_table_hints(table_name)
            yield dlt.mark.with_hints(table, hints[table_name], create_table_variant=True)
    yield from finish_landing(source=SOURCE_NAME, table="orders", landed=landed, rejects=rejects)
    if newest is not None:
        state[_CURSOR_STATE] = newest.isoformat()


def _order_table_hints(table_name: str) -> Any:
    # Every table carries its own hints: a variant would otherwise inherit the resource's
    # columns, and the nested tables would grow the order's.
    if table_name == "orders":
        return dlt.mark.make_hints(
            table_name=table_name,
            write_disposition="merge",
            primary_key="order_id",
            columns=copy.deepcopy(ORDER_COLUMNS),
        )
    # Nested rows are keyed by their position in the order; of one order pulled twice in a
    # load the newest version wins (an order's _dlt_id, its nested rows' _dlt_root_id, starts
    # with its update time). Rows a newer version no longer has are pruned after the load.
    columns = {
        **copy.deepcopy(DECLARED.get(table_name, {})),
        "_dlt_root_id": {"name": "_dlt_root_id", "data_type": "text", "dedup_sort": "desc"},
        "order_id": {"name": "order_id", "data_type": "text"},
    }
    return dlt.mark.make_hints(
        table_name=table_name,
        write_disposition="merge",
        primary_key="_dlt_id",
        columns=columns,
    )


def after_load(pipeline: dlt.Pipeline) -> int:
    """Delete nested order rows a newer version of their order no longer has; how many.

    Nested rows merge on their position in the order, so a list that shrank (a tax entry
    removed) would leave its old tail behind. Every current row's ``_dlt_root_id`` is its
    order's current ``_dlt_id``, which changes with each version: a row whose root is not a
    current order is superseded. (Merging on ``order_id`` as well would do this in the load,
    but dlt joins the two keys with OR, which no engine can hash-join.)
    """
    return prune_superseded_order_rows(pipeline)


@dataclass(frozen=True)
class OrderBackfill:
    mode: str
    poll_interval: float
    timeout: float
    items_per_chunk: int | None


@dlt.resource(
    name="offers",
    primary_key="offer_id",
    write_disposition="replace",
    nested_hints=OFFER_NESTED_HINTS,
)
def offers(client: MiraklClient, page_size: int) -> Iterator[TDataItems]:
    """OF21 offers, all of them each run: OF21 has no date filter; replace drops deleted ones."""
    pages = client.offset_pages(OFFERS_PATH, "offers", {}, page_size)
    yield from _landable(pages, _keyed("offer", "offer_id"), "offers")


@dlt.resource(name="carriers", primary_key="code", write_disposition="replace")
def carriers(client: MiraklClient) -> Iterator[TDataItems]:
    """SH21 carriers."""
    pages = [client.list_all(CARRIERS_PATH, "carriers")]
    yield from _landable(pages, _keyed("carrier", "code"), "carriers")


@dlt.resource(name="reasons", primary_key="code", write_disposition="replace")
def reasons(client: MiraklClient) -> Iterator[TDataItems]:
    """RE01 reasons (refund, cancelation, incident... codes)."""
    pages = [client.list_all(REASONS_PATH, "reasons")]
    yield from _landable(pages, _keyed("reason", "code"), "reasons")


@dlt.resource(
    name="transaction_logs",
    primary_key="id",
    write_disposition="merge",
)
def transaction_logs(
    client: MiraklClient,
    page_size: int,
    last_updated: dlt.sources.incremental[dt.datetime] = _TRANSACTION_LOGS_CURSOR,
) -> Iterator[TDataItems]:
    """TL02 transaction lines updated since the last run (less the re-pull window)."""
    params = {"sort": "lastUpdated,ASC"}
    if last_updated.start_value is not None:
        params["last_updated_from"] = format_api_datetime(last_updated.start_value)
    pages = client.seek_pages(TRANSACTION_LOGS_PATH, params, page_size)
    yield from _landable(pages, shape_transaction_log, "transaction_logs")


@dlt.resource(
    name="billing_cycles",
    primary_key="id",
    write_disposition="merge",
)
def billing_cycles(client: MiraklClient, page_size: int) -> Iterator[TDataItems]:
    """SBC11 billing cycles, all of them each run: a cycle's pay-out changes after it is created."""
    pages = client.seek_pages(BILLING_CYCLES_PATH, {}, page_size)
    yield from _landable(pages, _keyed("billing cycle", "id"), "billing_cycles")


@dlt.resource(
    name="invoices",
    primary_key="id",
    write_disposition="merge",
    nested_hints=INVOICE_NESTED_HINTS,
)
def invoices(client: MiraklClient, page_size: int) -> Iterator[TDataItems]:
    """IV01 accounting documents of every type, all of them each run: their payment state changes.

    Keyed by the string ``id``: ``invoice_id`` exists only once a document is issued.
    """
    pages = client.offset_pages(INVOICES_PATH, "invoices", {"type": "ALL"}, page_size)
    yield from _landable(pages, _keyed("invoice", "id"), "invoices")


def _keyed(entity: str, key: str) -> Shape:
    return lambda raw: shape_keyed(raw, entity, key)


def _landable(pages: Iterable[Page], shape: Shape, table: str) -> Iterator[TDataItems]:
    return land_pages(pages, shape, source=SOURCE_NAME, table=table)
