"""dlt source for Oracle NetSuite over SuiteQL: items, stock, orders, fulfilments, refunds, GL.

Tables (in the pipeline's dataset, ``netsuite`` by convention; queries in ``queries.py``):

| table | key | disposition |
|---|---|---|
| ``items`` | ``item_id`` | merge, incremental on ``lastmodifieddate`` |
| ``stock_levels`` | ``item_id``, ``location_id``, ``counted_at`` | merge: one snapshot per count |
| ``sales_orders`` | ``transaction_id`` | merge, incremental |
| ``sales_order_lines`` | ``transaction_id``, ``line_id`` | merge per order (see below) |
| ``fulfilments`` | ``transaction_id`` | merge, incremental; tracking numbers attached |
| ``refunds`` | ``transaction_id`` | merge, incremental |
| ``ledger_entries`` | transaction, line, accounting book | merge per transaction |
| ``deposits`` | ``transaction_id`` | merge, incremental |
| ``quarantine`` | ``quarantine_id`` | merge: rows that could not be landed, with the reason |

"Merge per order/transaction": the lines of a re-pulled order or transaction replace all its old
lines, so a deleted line goes too. Values land as NetSuite keeps them (sales lines with negative
quantities, status letters); the dbt staging models turn them into the canonical ERP shapes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any

import dlt
from dlt.common.typing import TDataItems, TSecretStrValue
from dlt.sources import DltResource

from recon.timestamps import parse_utc

from ..quarantine import land_pages, with_quarantine
from .auth import BearerAuth, TokenAuth
from .client import NetSuiteClient, Row, default_base_url
from .exceptions import (
    NetSuiteApiError,
    NetSuiteAuthError,
    NetSuiteConnectionError,
    NetSuiteError,
    NetSuiteResponseError,
)
from .queries import (
    DEPOSIT_FIELDS,
    FULFILMENT_FIELDS,
    ITEM_FIELDS,
    LEDGER_FIELDS,
    REFUND_FIELDS,
    SALES_ORDER_FIELDS,
    SALES_ORDER_LINE_FIELDS,
    STOCK_FIELDS,
    TRACKING_FIELDS,
    Conventions,
    deposits_query,
    field_id,
    fulfilments_query,
    items_query,
    ledger_query,
    refunds_query,
    sales_order_lines_query,
    sales_orders_query,
    stock_query,
    tracking_query,
    type_codes,
)
from .records import Field, Rejected, RowError, RowReader, dlt_columns
from .settings import (
    ACCOUNT_CONFIG_HINT,
    CREDENTIALS_CONFIG_HINT,
    DEFAULT_ACCOUNTING_BOOK,
    DEFAULT_DEPOSIT_REFERENCE_FIELD,
    DEFAULT_ITEM_CASE_SIZE_FIELD,
    DEFAULT_ITEM_LISTED_FIELD,
    DEFAULT_ITEM_SAFETY_STOCK_FIELD,
    DEFAULT_ITEM_SHOP_SKU_FIELD,
    DEFAULT_ITEM_TYPES,
    DEFAULT_LEDGER_ORDER_ID_FIELD,
    DEFAULT_LEDGER_PAYOUT_REFERENCE_FIELD,
    DEFAULT_LEDGER_TYPES,
    DEFAULT_MAX_RESULTS_PER_QUERY,
    DEFAULT_ORDER_ID_FIELD,
    DEFAULT_REFUND_TYPES,
    DEFAULT_REPULL_WINDOW_MINUTES,
    DEFAULT_REQUEST_BACKOFF_FACTOR,
    DEFAULT_REQUEST_MAX_ATTEMPTS,
    DEFAULT_REQUEST_MAX_RETRY_DELAY_SECONDS,
    DEFAULT_REQUEST_TIMEOUT_SECONDS,
    MAX_PAGE_SIZE,
)

SOURCE_NAME = "netsuite"

__all__ = [
    "NetSuiteApiError",
    "NetSuiteAuthError",
    "NetSuiteClient",
    "NetSuiteConnectionError",
    "NetSuiteError",
    "NetSuiteResponseError",
    "netsuite_source",
]

Shape = Callable[[Row], tuple[dict[str, Any] | None, Rejected | None]]

# Landed columns besides those read from SuiteQL as they are.
ITEM_COLUMNS = dlt_columns(
    [
        *(f for f in ITEM_FIELDS if f.name not in ("case_size", "marketplace_listed")),
        Field("units_per_stock_unit", "integer", required=True),
        Field("is_marketplace_listed", "checkbox", required=True),
    ]
)
STOCK_COLUMNS = dlt_columns(
    [*(f for f in STOCK_FIELDS if f.name != "counted_at"), Field("counted_at", "datetime", True)]
)
FULFILMENT_COLUMNS = dlt_columns([*FULFILMENT_FIELDS, Field("tracking_numbers", "text")])


def _cursor(path: str) -> dlt.sources.incremental[dt.datetime]:
    # Quarantine rows carry no cursor and must pass the incremental filter untouched.
    return dlt.sources.incremental[dt.datetime](path, on_cursor_value_missing="include")


# Defaults that let dlt recognise the incremental arguments; the source passes configured ones.
_ITEMS_CURSOR = _cursor("last_modified_at")
_SALES_ORDERS_CURSOR = _cursor("last_modified_at")
_SALES_ORDER_LINES_CURSOR = _cursor("order_last_modified_at")
_FULFILMENTS_CURSOR = _cursor("last_modified_at")
_REFUNDS_CURSOR = _cursor("last_modified_at")
_LEDGER_CURSOR = _cursor("last_modified_at")
_DEPOSITS_CURSOR = _cursor("last_modified_at")


@dlt.source(name=SOURCE_NAME)
def netsuite_source(
    account_id: str = dlt.config.value,
    account_timezone: str = dlt.config.value,
    base_url: str | None = None,
    consumer_key: TSecretStrValue | None = None,
    consumer_secret: TSecretStrValue | None = None,
    token_id: TSecretStrValue | None = None,
    token_secret: TSecretStrValue | None = None,
    access_token: TSecretStrValue | None = None,
    order_id_field: str = DEFAULT_ORDER_ID_FIELD,
    item_shop_sku_field: str | None = DEFAULT_ITEM_SHOP_SKU_FIELD,
    item_case_size_field: str | None = DEFAULT_ITEM_CASE_SIZE_FIELD,
    item_safety_stock_field: str | None = DEFAULT_ITEM_SAFETY_STOCK_FIELD,
    item_listed_field: str | None = DEFAULT_ITEM_LISTED_FIELD,
    ledger_order_id_field: str | None = DEFAULT_LEDGER_ORDER_ID_FIELD,
    ledger_payout_reference_field: str | None = DEFAULT_LEDGER_PAYOUT_REFERENCE_FIELD,
    deposit_reference_field: str = DEFAULT_DEPOSIT_REFERENCE_FIELD,
    stock_counted_at_field: str | None = None,
    item_types: Sequence[str] = DEFAULT_ITEM_TYPES,
    refund_types: Sequence[str] = DEFAULT_REFUND_TYPES,
    ledger_types: Sequence[str] = DEFAULT_LEDGER_TYPES,
    accounting_book: int | None = DEFAULT_ACCOUNTING_BOOK,
    start_date: str | None = None,
    repull_window_minutes: int = DEFAULT_REPULL_WINDOW_MINUTES,
    page_size: int = MAX_PAGE_SIZE,
    max_results_per_query: int = DEFAULT_MAX_RESULTS_PER_QUERY,
    request_timeout: float = DEFAULT_REQUEST_TIMEOUT_SECONDS,
    request_max_attempts: int = DEFAULT_REQUEST_MAX_ATTEMPTS,
    request_backoff_factor: float = DEFAULT_REQUEST_BACKOFF_FACTOR,
    request_max_retry_delay: float = DEFAULT_REQUEST_MAX_RETRY_DELAY_SECONDS,
) -> Sequence[DltResource]:
    """Items, stock, sales orders and lines, fulfilments, refunds, GL postings and deposits.

    Every argument is read from ``[sources.netsuite]`` in ``.dlt/config.toml`` (credentials from
    ``.dlt/secrets.toml``) or from ``SOURCES__NETSUITE__<ARG>`` environment variables.

    Args:
        account_id: The account id as NetSuite writes it, e.g. ``1234567`` or ``1234567_SB1``
            for a sandbox; the OAuth realm, and the host unless ``base_url`` is set.
        account_timezone: IANA time zone of the integration user's "Time Zone" preference,
            e.g. ``Europe/Paris``: SuiteQL shows and reads date-times in it.
        base_url: ``https://<account>.suitetalk.api.netsuite.com`` by default (Setup > Company
            > Company Information > Company URLs shows the account's own).
        consumer_key: Token-based authentication: the integration record's consumer key.
        consumer_secret: ... its consumer secret.
        token_id: ... the access token id of the integration user and role.
        token_secret: ... the access token secret.
        access_token: Instead of TBA, an OAuth 2.0 access token sent as ``Bearer`` (NetSuite
            tokens last an hour; obtaining and refreshing one is left to the caller).
        order_id_field: Transaction body field holding the Mirakl order id on sales orders,
            refunds and (through the order) fulfilments: ``otherrefnum`` (PO/Ref. No.),
            ``externalid`` or a ``custbody_*`` field.
        item_shop_sku_field: Item field with the seller's SKU on Mirakl; ``None``: the item name.
        item_case_size_field: Item field with the sellable units per stock unit; ``None`` (or
            an empty value): the conversion rate of the item's stock unit.
        item_safety_stock_field: Item field with the units held back from Mirakl; ``None``: 0.
        item_listed_field: Item checkbox meaning "sell on Mirakl"; ``None``: every active item.
        ledger_order_id_field: Transaction line field with the Mirakl order id of a posting.
        ledger_payout_reference_field: Transaction line field with a posting's pay-out reference.
        deposit_reference_field: Deposit body field holding the pay-out reference (``memo``).
        stock_counted_at_field: ``inventoryitemlocations`` date-time telling when a location's
            stock was counted (e.g. ``lastinvtcountdate``); ``None``: stock is stamped with the
            time it was read, as NetSuite's stock view is live.
        item_types: Item types landed (and the line item types of sales orders).
        refund_types: Transaction types landed as refunds.
        ledger_types: Transaction types whose accounting lines land as GL postings.
        accounting_book: Only this accounting book's lines (1 is usually the primary book);
            ``None`` lands every book.
        start_date: ISO 8601 date or date-time: the first run pulls records modified since.
            ``None`` pulls everything. Later runs continue from the last modification seen.
        repull_window_minutes: How far before the last modification seen each run starts again,
            to catch records saved late; re-pulled records are merged, never duplicated.
        page_size: Rows per SuiteQL page, 1 to 1000.
        max_results_per_query: Rows NetSuite pages through per query (100,000 without
            SuiteAnalytics Connect); the source continues after the last internal id it saw.
        request_timeout: Seconds to wait for an answer.
        request_max_attempts: Attempts per request on a concurrency refusal, 5xx, timeout or
            dropped connection.
        request_backoff_factor: Seconds of the first wait; each retry doubles it (with jitter).
        request_max_retry_delay: Longest wait between two attempts, in seconds.
    """
    if not account_id or not str(account_id).strip():
        raise ValueError(f"the NetSuite account id is empty; set {ACCOUNT_CONFIG_HINT}")
    if repull_window_minutes < 0:
        raise ValueError(f"repull_window_minutes must not be negative, got {repull_window_minutes}")
    account_id = str(account_id).strip()
    client = NetSuiteClient(
        base_url or default_base_url(account_id),
        _auth(account_id, consumer_key, consumer_secret, token_id, token_secret, access_token),
        page_size=page_size,
        max_results_per_query=max_results_per_query,
        request_timeout=request_timeout,
        max_attempts=request_max_attempts,
        backoff_factor=request_backoff_factor,
        max_retry_delay=request_max_retry_delay,
    )
    try:
        reader = RowReader(account_timezone)
    except Exception:
        raise ValueError(
            f"account_timezone {account_timezone!r} is not an IANA time zone such as "
            "Europe/Paris; set the integration user's time zone preference there"
        ) from None
    conventions = Conventions(
        timezone=account_timezone,
        order_id_field=field_id(order_id_field, "order_id_field"),
        item_shop_sku_field=field_id(item_shop_sku_field, "item_shop_sku_field", optional=True),
        item_case_size_field=field_id(item_case_size_field, "item_case_size_field", optional=True),
        item_safety_stock_field=field_id(
            item_safety_stock_field, "item_safety_stock_field", optional=True
        ),
        item_listed_field=field_id(item_listed_field, "item_listed_field", optional=True),
        ledger_order_id_field=field_id(
            ledger_order_id_field, "ledger_order_id_field", optional=True
        ),
        ledger_payout_reference_field=field_id(
            ledger_payout_reference_field, "ledger_payout_reference_field", optional=True
        ),
        deposit_reference_field=field_id(deposit_reference_field, "deposit_reference_field"),
        stock_counted_at_field=field_id(
            stock_counted_at_field, "stock_counted_at_field", optional=True
        ),
        item_types=type_codes(item_types, "item_types"),
        refund_types=type_codes(refund_types, "refund_types"),
        ledger_types=type_codes(ledger_types, "ledger_types"),
        accounting_book=accounting_book,
    )
    try:
        initial = parse_utc(start_date) if start_date else None
    except ValueError:
        raise ValueError(
            f"start_date {start_date!r} is not an ISO 8601 date or date-time, e.g. 2024-01-01"
        ) from None
    lag = repull_window_minutes * 60 or None

    def cursor(path: str) -> dlt.sources.incremental[dt.datetime]:
        return dlt.sources.incremental[dt.datetime](
            path, initial_value=initial, lag=lag, on_cursor_value_missing="include"
        )

    return (
        with_quarantine(
            items(client, conventions, reader, cursor("last_modified_at")), ITEM_COLUMNS
        ),
        with_quarantine(stock_levels(client, conventions, reader), STOCK_COLUMNS),
        with_quarantine(
            sales_orders(client, conventions, reader, cursor("last_modified_at")),
            dlt_columns(SALES_ORDER_FIELDS),
        ),
        with_quarantine(
            sales_order_lines(client, conventions, reader, cursor("order_last_modified_at")),
            dlt_columns(SALES_ORDER_LINE_FIELDS),
        ),
        with_quarantine(
            fulfilments(client, conventions, reader, cursor("last_modified_at")),
            FULFILMENT_COLUMNS,
        ),
        with_quarantine(
            refunds(client, conventions, reader, cursor("last_modified_at")),
            dlt_columns(REFUND_FIELDS),
        ),
        with_quarantine(
            ledger_entries(client, conventions, reader, cursor("last_modified_at")),
            dlt_columns(LEDGER_FIELDS),
        ),
        with_quarantine(
            deposits(client, conventions, reader, cursor("last_modified_at")),
            dlt_columns(DEPOSIT_FIELDS),
        ),
    )


def _auth(
    account_id: str,
    consumer_key: str | None,
    consumer_secret: str | None,
    token_id: str | None,
    token_secret: str | None,
    access_token: str | None,
) -> TokenAuth | BearerAuth:
    tba = {
        "consumer_key": consumer_key,
        "consumer_secret": consumer_secret,
        "token_id": token_id,
        "token_secret": token_secret,
    }
    given = {name for name, value in tba.items() if value and str(value).strip()}
    if given == set(tba):
        return TokenAuth(
            account_id,
            str(consumer_key).strip(),
            str(consumer_secret).strip(),
            str(token_id).strip(),
            str(token_secret).strip(),
        )
    if access_token and str(access_token).strip() and not given:
        return BearerAuth(str(access_token).strip())
    if given:
        missing = ", ".join(sorted(set(tba) - given))
        raise ValueError(f"token-based authentication needs all four secrets; missing {missing}")
    raise ValueError(f"no NetSuite credentials; set {CREDENTIALS_CONFIG_HINT}")


# --- resources ----------------------------------------------------------------------------------


@dlt.resource(name="items", primary_key="item_id", write_disposition="merge")
def items(
    client: NetSuiteClient,
    conventions: Conventions,
    reader: RowReader,
    modified: dlt.sources.incremental[dt.datetime] = _ITEMS_CURSOR,
) -> Iterator[TDataItems]:
    """Items modified since the last run (less the re-pull window)."""
    query = items_query(conventions, modified.start_value)

    def shape(raw: Row) -> tuple[dict[str, Any] | None, Rejected | None]:
        ref = f"item {raw.get('item_id')} ({raw.get('sku')})"
        try:
            row = reader.typed(raw, ITEM_FIELDS)
            row["units_per_stock_unit"] = _case_size(row, conventions)
        except RowError as error:
            return None, Rejected(ref, f"{ref}: {error}", raw)
        if row["safety_stock"] is None:
            row["safety_stock"] = Decimal(0)
        listed = row.pop("marketplace_listed")
        if conventions.item_listed_field is None:
            listed = not row["is_inactive"]
        row["is_marketplace_listed"] = bool(listed)
        row.pop("case_size")
        return row, None

    yield from _landable(client.pages(query), shape, "items")


def _case_size(row: dict[str, Any], conventions: Conventions) -> int:
    raw = row["case_size"]
    if raw is not None and raw.strip():
        try:
            value = Decimal(raw.strip())
        except ArithmeticError:
            value = Decimal(0)
        if value < 1 or value != value.to_integral_value():
            raise RowError(
                f"case size {raw!r} in {conventions.item_case_size_field} is not a whole number "
                "of at least 1"
            )
        return int(value)
    rate = row["stock_unit_rate"]
    if rate is not None and rate >= 1 and rate == rate.to_integral_value():
        return int(rate)
    return 1


@dlt.resource(
    name="stock_levels",
    primary_key=["item_id", "location_id", "counted_at"],
    write_disposition="merge",
)
def stock_levels(
    client: NetSuiteClient, conventions: Conventions, reader: RowReader
) -> Iterator[TDataItems]:
    """Stock per item and location, all of it each run (the view has no modification date)."""
    read_at = dt.datetime.now(dt.UTC).replace(microsecond=0)

    def shape(raw: Row) -> tuple[dict[str, Any] | None, Rejected | None]:
        item = raw.get("sku") or raw.get("item_id")
        ref = f"item {item} at {raw.get('location') or raw.get('location_id')}"
        try:
            row = reader.typed(raw, STOCK_FIELDS)
        except RowError as error:
            return None, Rejected(ref, f"stock of {ref}: {error}", raw)
        row["on_hand"] = row["on_hand"] if row["on_hand"] is not None else Decimal(0)
        row["committed"] = row["committed"] if row["committed"] is not None else Decimal(0)
        row["counted_at"] = row["counted_at"] or read_at
        return row, None

    yield from _landable(client.pages(stock_query(conventions)), shape, "stock_levels")


def _transactions(fields: Sequence[Field], kind: str, reader: RowReader) -> Callable:
    def shape(raw: Row) -> tuple[dict[str, Any] | None, Rejected | None]:
        ref = f"{kind} {raw.get('tran_id')} (internal id {raw.get('transaction_id')})"
        try:
            return reader.typed(raw, fields), None
        except RowError as error:
            return None, Rejected(ref, f"{ref}: {error}", raw)

    return shape


@dlt.resource(name="sales_orders", primary_key="transaction_id", write_disposition="merge")
def sales_orders(
    client: NetSuiteClient,
    conventions: Conventions,
    reader: RowReader,
    modified: dlt.sources.incremental[dt.datetime] = _SALES_ORDERS_CURSOR,
) -> Iterator[TDataItems]:
    """Sales orders (``SalesOrd``) modified since the last run."""
    query = sales_orders_query(conventions, modified.start_value)
    shape = _transactions(SALES_ORDER_FIELDS, "sales order", reader)
    yield from _landable(client.pages(query), shape, "sales_orders")


# merge_key: a re-pulled order's lines replace all its old ones, so deleted lines go too.
@dlt.resource(
    name="sales_order_lines",
    primary_key=["transaction_id", "line_id"],
    merge_key="transaction_id",
    write_disposition="merge",
)
def sales_order_lines(
    client: NetSuiteClient,
    conventions: Conventions,
    reader: RowReader,
    modified: dlt.sources.incremental[dt.datetime] = _SALES_ORDER_LINES_CURSOR,
) -> Iterator[TDataItems]:
    """Item lines of the sales orders modified since the last run, all lines of each."""
    query = sales_order_lines_query(conventions, modified.start_value)

    def shape(raw: Row) -> tuple[dict[str, Any] | None, Rejected | None]:
        ref = f"sales order {raw.get('order_tran_id')} line {raw.get('line_id')}"
        try:
            return reader.typed(raw, SALES_ORDER_LINE_FIELDS), None
        except RowError as error:
            return None, Rejected(ref, f"{ref}: {error}", raw)

    yield from _landable(client.pages(query), shape, "sales_order_lines")


@dlt.resource(name="fulfilments", primary_key="transaction_id", write_disposition="merge")
def fulfilments(
    client: NetSuiteClient,
    conventions: Conventions,
    reader: RowReader,
    modified: dlt.sources.incremental[dt.datetime] = _FULFILMENTS_CURSOR,
) -> Iterator[TDataItems]:
    """Item fulfilments (``ItemShip``) with their ship method and tracking numbers."""
    query = fulfilments_query(conventions, modified.start_value)
    shape = _transactions(FULFILMENT_FIELDS, "fulfilment", reader)

    def with_tracking(pages: Iterable[list[Row]]) -> Iterator[list[Row]]:
        # One tracking query per page: at most 1000 ids, Oracle's limit for an IN list.
        for page in pages:
            ids = sorted({int(row["transaction_id"]) for row in page if row.get("transaction_id")})
            numbers: dict[int, list[str]] = {}
            if ids:
                for tracking in client.rows(tracking_query(ids)):
                    try:
                        typed = reader.typed(tracking, TRACKING_FIELDS)
                    except RowError:
                        continue
                    numbers.setdefault(typed["transaction_id"], []).append(typed["tracking_number"])
            for row in page:
                found = (
                    numbers.get(int(row["transaction_id"])) if row.get("transaction_id") else None
                )
                row["tracking_numbers"] = ", ".join(found) if found else None
            yield page

    def shape_with_tracking(raw: Row) -> tuple[dict[str, Any] | None, Rejected | None]:
        row, rejected = shape(raw)
        if row is not None:
            row["tracking_numbers"] = raw.get("tracking_numbers")
        return row, rejected

    yield from _landable(with_tracking(client.pages(query)), shape_with_tracking, "fulfilments")


@dlt.resource(name="refunds", primary_key="transaction_id", write_disposition="merge")
def refunds(
    client: NetSuiteClient,
    conventions: Conventions,
    reader: RowReader,
    modified: dlt.sources.incremental[dt.datetime] = _REFUNDS_CURSOR,
) -> Iterator[TDataItems]:
    """Credit memos and cash refunds modified since the last run."""
    query = refunds_query(conventions, modified.start_value)
    shape = _transactions(REFUND_FIELDS, "refund", reader)
    yield from _landable(client.pages(query), shape, "refunds")


@dlt.resource(
    name="ledger_entries",
    primary_key=["transaction_id", "line_id", "accounting_book_id"],
    merge_key="transaction_id",
    write_disposition="merge",
)
def ledger_entries(
    client: NetSuiteClient,
    conventions: Conventions,
    reader: RowReader,
    modified: dlt.sources.incremental[dt.datetime] = _LEDGER_CURSOR,
) -> Iterator[TDataItems]:
    """Posting accounting lines of the configured transaction types modified since last run."""
    query = ledger_query(conventions, modified.start_value)

    def shape(raw: Row) -> tuple[dict[str, Any] | None, Rejected | None]:
        ref = f"{raw.get('tran_id')} line {raw.get('line_id')}"
        try:
            return reader.typed(raw, LEDGER_FIELDS), None
        except RowError as error:
            return None, Rejected(ref, f"posting {ref}: {error}", raw)

    yield from _landable(client.pages(query), shape, "ledger_entries")


@dlt.resource(name="deposits", primary_key="transaction_id", write_disposition="merge")
def deposits(
    client: NetSuiteClient,
    conventions: Conventions,
    reader: RowReader,
    modified: dlt.sources.incremental[dt.datetime] = _DEPOSITS_CURSOR,
) -> Iterator[TDataItems]:
    """Bank deposits (``Deposit``) modified since the last run."""
    query = deposits_query(conventions, modified.start_value)
    shape = _transactions(DEPOSIT_FIELDS, "deposit", reader)
    yield from _landable(client.pages(query), shape, "deposits")


def _landable(pages: Iterable[list[Row]], shape: Shape, table: str) -> Iterator[TDataItems]:
    return land_pages(pages, shape, source=SOURCE_NAME, table=table)
