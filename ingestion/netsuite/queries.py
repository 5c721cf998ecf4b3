"""The SuiteQL each table is pulled with, and the columns it lands.

Tables of the ``netsuite`` dataset and the records they come from (erp-apis.md §1.4):

| table | SuiteQL |
|---|---|
| ``items`` | ``item`` + ``unitstypeuom`` (the stock unit) |
| ``stock_levels`` | ``inventoryitemlocations`` + ``item`` + ``location`` |
| ``sales_orders`` | ``transaction`` type ``SalesOrd`` |
| ``sales_order_lines`` | ``transactionline``: item lines of sales orders |
| ``fulfilments`` | ``transaction`` type ``ItemShip`` created from the order; then |
| | ``TrackingNumberMap`` + ``trackingnumber`` for each page's tracking numbers |
| ``refunds`` | ``transaction`` types ``CustCred``, ``CashRfnd`` |
| ``ledger_entries`` | ``transactionaccountingline`` of journals and deposits |
| ``deposits`` | ``transaction`` type ``Deposit`` |

Which fields hold the marketplace order id, the item's Mirakl settings and a posting's order id
and pay-out reference differs between tenants: the names come from the source's configuration
and are checked to be plain SuiteQL field ids before they go into a query.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from .client import SuiteQuery
from .records import Field, local_datetime_text
from .settings import DATE_MODEL, DATETIME_MODEL, FILTER_MODEL, FILTER_PATTERN

_FIELD_ID = re.compile(r"[a-z][a-z0-9_]*")
_CODE = re.compile(r"[A-Za-z][A-Za-z0-9]*")


def field_id(value: str | None, setting: str, *, optional: bool = False) -> str | None:
    """A configured field id, lower-cased; refused unless it is a plain SuiteQL identifier."""
    if value is None or not str(value).strip():
        if optional:
            return None
        raise ValueError(f"{setting} must name a NetSuite field, e.g. otherrefnum")
    text = str(value).strip().lower()
    if not _FIELD_ID.fullmatch(text):
        raise ValueError(f"{setting} {value!r} is not a NetSuite field id (letters, digits, _)")
    return text


def type_codes(values: Sequence[str], setting: str) -> tuple[str, ...]:
    codes = tuple(str(value).strip() for value in values)
    if not codes or not all(_CODE.fullmatch(code) for code in codes):
        raise ValueError(
            f"{setting} must list NetSuite type codes such as SalesOrd, got {values!r}"
        )
    return codes


def _in(codes: Sequence[str]) -> str:
    return "(" + ", ".join(f"'{code}'" for code in codes) + ")"


def _datetime(expression: str, alias: str) -> str:
    return f"TO_CHAR({expression}, '{DATETIME_MODEL}') AS {alias}"


def _date(expression: str, alias: str) -> str:
    return f"TO_CHAR({expression}, '{DATE_MODEL}') AS {alias}"


@dataclass(frozen=True)
class Conventions:
    """Where this tenant keeps what NetSuite has no standard field for."""

    timezone: str
    order_id_field: str
    item_shop_sku_field: str | None
    item_case_size_field: str | None
    item_safety_stock_field: str | None
    item_listed_field: str | None
    ledger_order_id_field: str | None
    ledger_payout_reference_field: str | None
    deposit_reference_field: str
    stock_counted_at_field: str | None
    item_types: tuple[str, ...]
    refund_types: tuple[str, ...]
    ledger_types: tuple[str, ...]
    accounting_book: int | None

    def since(self, expression: str, start: dt.datetime | None) -> tuple[str, ...]:
        """The incremental condition: modified at or after ``start`` (in the account's zone)."""
        if start is None:
            return ()
        text = local_datetime_text(start, ZoneInfo(self.timezone), FILTER_PATTERN)
        return (f"{expression} >= TO_TIMESTAMP('{text}', '{FILTER_MODEL}')",)


def _optional(expression_field: str | None, qualifier: str, alias: str) -> str:
    if expression_field is None:
        return f"NULL AS {alias}"
    return f"{qualifier}.{expression_field} AS {alias}"


# --- items ------------------------------------------------------------------------------------

ITEM_FIELDS = (
    Field("item_id", "integer", required=True),
    Field("sku", "text", required=True),
    Field("display_name", "text"),
    Field("item_type", "text"),
    Field("is_inactive", "checkbox"),
    Field("stock_unit", "text"),
    Field("stock_unit_rate", "decimal"),
    Field("mirakl_shop_sku", "text"),
    Field("case_size", "text"),
    Field("safety_stock", "decimal"),
    Field("marketplace_listed", "checkbox"),
    Field("last_modified_at", "datetime", required=True),
)


def items_query(conventions: Conventions, start: dt.datetime | None) -> SuiteQuery:
    c = conventions
    select = ", ".join(
        (
            "item.id AS item_id",
            "item.itemid AS sku",
            "item.displayname AS display_name",
            "item.itemtype AS item_type",
            "item.isinactive AS is_inactive",
            "uom.abbreviation AS stock_unit",
            "uom.conversionrate AS stock_unit_rate",
            _optional(c.item_shop_sku_field, "item", "mirakl_shop_sku"),
            _optional(c.item_case_size_field, "item", "case_size"),
            _optional(c.item_safety_stock_field, "item", "safety_stock"),
            _optional(c.item_listed_field, "item", "marketplace_listed"),
            _datetime("item.lastmodifieddate", "last_modified_at"),
        )
    )
    return SuiteQuery(
        select=select,
        source="item LEFT JOIN unitstypeuom uom ON uom.internalid = item.stockunit",
        conditions=(
            f"item.itemtype IN {_in(c.item_types)}",
            *c.since("item.lastmodifieddate", start),
        ),
        order_key=(("item_id", "item.id"),),
    )


# --- stock ------------------------------------------------------------------------------------

STOCK_FIELDS = (
    Field("item_id", "integer", required=True),
    Field("sku", "text", required=True),
    Field("location_id", "integer", required=True),
    Field("location", "text", required=True),
    Field("on_hand", "decimal"),
    Field("committed", "decimal"),
    Field("available", "decimal"),
    Field("counted_at", "datetime"),
)


def stock_query(conventions: Conventions) -> SuiteQuery:
    c = conventions
    counted = (
        _datetime(f"iil.{c.stock_counted_at_field}", "counted_at")
        if c.stock_counted_at_field
        else "NULL AS counted_at"
    )
    select = ", ".join(
        (
            "iil.item AS item_id",
            "item.itemid AS sku",
            "iil.location AS location_id",
            "loc.name AS location",
            "iil.quantityonhand AS on_hand",
            "iil.quantitycommitted AS committed",
            "iil.quantityavailable AS available",
            counted,
        )
    )
    return SuiteQuery(
        select=select,
        source=(
            "inventoryitemlocations iil JOIN item ON item.id = iil.item "
            "JOIN location loc ON loc.id = iil.location"
        ),
        conditions=(f"item.itemtype IN {_in(c.item_types)}",),
        order_key=(("item_id", "iil.item"), ("location_id", "iil.location")),
    )


# --- sales orders and lines -------------------------------------------------------------------

SALES_ORDER_FIELDS = (
    Field("transaction_id", "integer", required=True),
    Field("tran_id", "text", required=True),
    Field("marketplace_order_id", "text"),
    Field("status", "text", required=True),
    Field("currency", "text"),
    Field("total_amount", "decimal"),
    Field("tran_date", "date"),
    Field("created_at", "datetime", required=True),
    Field("last_modified_at", "datetime", required=True),
)


def sales_orders_query(conventions: Conventions, start: dt.datetime | None) -> SuiteQuery:
    select = ", ".join(
        (
            "t.id AS transaction_id",
            "t.tranid AS tran_id",
            f"t.{conventions.order_id_field} AS marketplace_order_id",
            "t.status AS status",
            "cur.symbol AS currency",
            "t.foreigntotal AS total_amount",
            _date("t.trandate", "tran_date"),
            _datetime("t.createddate", "created_at"),
            _datetime("t.lastmodifieddate", "last_modified_at"),
        )
    )
    return SuiteQuery(
        select=select,
        source="transaction t LEFT JOIN currency cur ON cur.id = t.currency",
        conditions=("t.type = 'SalesOrd'", *conventions.since("t.lastmodifieddate", start)),
        order_key=(("transaction_id", "t.id"),),
    )


SALES_ORDER_LINE_FIELDS = (
    Field("transaction_id", "integer", required=True),
    Field("line_id", "integer", required=True),
    Field("order_tran_id", "text", required=True),
    Field("line_number", "integer"),
    Field("item_id", "integer"),
    Field("sku", "text"),
    Field("quantity", "decimal"),
    Field("rate", "decimal"),
    Field("net_amount", "decimal"),
    Field("order_last_modified_at", "datetime", required=True),
)


def sales_order_lines_query(conventions: Conventions, start: dt.datetime | None) -> SuiteQuery:
    select = ", ".join(
        (
            "tl.transaction AS transaction_id",
            "tl.id AS line_id",
            "t.tranid AS order_tran_id",
            "tl.linesequencenumber AS line_number",
            "tl.item AS item_id",
            "item.itemid AS sku",
            "tl.quantity AS quantity",
            "tl.rate AS rate",
            "tl.netamount AS net_amount",
            _datetime("t.lastmodifieddate", "order_last_modified_at"),
        )
    )
    return SuiteQuery(
        select=select,
        source=(
            "transactionline tl JOIN transaction t ON t.id = tl.transaction "
            "LEFT JOIN item ON item.id = tl.item"
        ),
        conditions=(
            "t.type = 'SalesOrd'",
            "tl.mainline = 'F'",
            "tl.taxline = 'F'",
            f"tl.itemtype IN {_in(conventions.item_types)}",
            *conventions.since("t.lastmodifieddate", start),
        ),
        order_key=(("transaction_id", "tl.transaction"), ("line_id", "tl.id")),
    )


# --- fulfilments ------------------------------------------------------------------------------

FULFILMENT_FIELDS = (
    Field("transaction_id", "integer", required=True),
    Field("tran_id", "text", required=True),
    Field("status", "text"),
    Field("ship_method", "text"),
    Field("order_transaction_id", "integer"),
    Field("order_tran_id", "text"),
    Field("marketplace_order_id", "text"),
    Field("tran_date", "date"),
    Field("created_at", "datetime", required=True),
    Field("last_modified_at", "datetime", required=True),
)
TRACKING_FIELDS = (
    Field("transaction_id", "integer", required=True),
    Field("tracking_id", "integer", required=True),
    Field("tracking_number", "text", required=True),
)


def fulfilments_query(conventions: Conventions, start: dt.datetime | None) -> SuiteQuery:
    select = ", ".join(
        (
            "t.id AS transaction_id",
            "t.tranid AS tran_id",
            "t.status AS status",
            "BUILTIN.DF(t.shipmethod) AS ship_method",
            "tl.createdfrom AS order_transaction_id",
            "so.tranid AS order_tran_id",
            f"so.{conventions.order_id_field} AS marketplace_order_id",
            _date("t.trandate", "tran_date"),
            _datetime("t.createddate", "created_at"),
            _datetime("t.lastmodifieddate", "last_modified_at"),
        )
    )
    return SuiteQuery(
        select=select,
        source=(
            "transaction t JOIN transactionline tl ON tl.transaction = t.id AND tl.mainline = 'T' "
            "LEFT JOIN transaction so ON so.id = tl.createdfrom"
        ),
        conditions=("t.type = 'ItemShip'", *conventions.since("t.lastmodifieddate", start)),
        order_key=(("transaction_id", "t.id"),),
    )


def tracking_query(transaction_ids: Sequence[int]) -> SuiteQuery:
    ids = ", ".join(str(int(value)) for value in transaction_ids)
    return SuiteQuery(
        select=(
            "tnm.transaction AS transaction_id, tn.id AS tracking_id, "
            "tn.trackingnumber AS tracking_number"
        ),
        source="trackingnumbermap tnm JOIN trackingnumber tn ON tn.id = tnm.trackingnumber",
        conditions=(f"tnm.transaction IN ({ids})",),
        order_key=(("transaction_id", "tnm.transaction"), ("tracking_id", "tn.id")),
    )


# --- refunds ----------------------------------------------------------------------------------

REFUND_FIELDS = (
    Field("transaction_id", "integer", required=True),
    Field("tran_id", "text", required=True),
    Field("transaction_type", "text", required=True),
    Field("status", "text"),
    Field("marketplace_order_id", "text"),
    Field("order_transaction_id", "integer"),
    Field("order_tran_id", "text"),
    Field("order_marketplace_order_id", "text"),
    Field("currency", "text"),
    Field("total_amount", "decimal"),
    Field("memo", "text"),
    Field("is_voided", "checkbox"),
    Field("tran_date", "date"),
    Field("created_at", "datetime", required=True),
    Field("last_modified_at", "datetime", required=True),
)


def refunds_query(conventions: Conventions, start: dt.datetime | None) -> SuiteQuery:
    field = conventions.order_id_field
    select = ", ".join(
        (
            "t.id AS transaction_id",
            "t.tranid AS tran_id",
            "t.type AS transaction_type",
            "t.status AS status",
            f"t.{field} AS marketplace_order_id",
            "tl.createdfrom AS order_transaction_id",
            "so.tranid AS order_tran_id",
            f"so.{field} AS order_marketplace_order_id",
            "cur.symbol AS currency",
            "t.foreigntotal AS total_amount",
            "t.memo AS memo",
            "t.voided AS is_voided",
            _date("t.trandate", "tran_date"),
            _datetime("t.createddate", "created_at"),
            _datetime("t.lastmodifieddate", "last_modified_at"),
        )
    )
    return SuiteQuery(
        select=select,
        source=(
            "transaction t JOIN transactionline tl ON tl.transaction = t.id AND tl.mainline = 'T' "
            "LEFT JOIN transaction so ON so.id = tl.createdfrom "
            "LEFT JOIN currency cur ON cur.id = t.currency"
        ),
        conditions=(
            f"t.type IN {_in(conventions.refund_types)}",
            *conventions.since("t.lastmodifieddate", start),
        ),
        order_key=(("transaction_id", "t.id"),),
    )


# --- ledger and deposits ----------------------------------------------------------------------

LEDGER_FIELDS = (
    Field("transaction_id", "integer", required=True),
    Field("line_id", "integer", required=True),
    Field("accounting_book_id", "integer", required=True),
    Field("tran_id", "text", required=True),
    Field("transaction_type", "text"),
    Field("account_id", "integer"),
    Field("account_number", "text"),
    Field("account_name", "text"),
    Field("debit", "decimal"),
    Field("credit", "decimal"),
    Field("amount", "decimal"),
    Field("currency", "text"),
    Field("memo", "text"),
    Field("marketplace_order_id", "text"),
    Field("payout_reference", "text"),
    Field("tran_date", "date"),
    Field("posted_at", "datetime", required=True),
    Field("last_modified_at", "datetime", required=True),
)


def ledger_query(conventions: Conventions, start: dt.datetime | None) -> SuiteQuery:
    c = conventions
    select = ", ".join(
        (
            "tal.transaction AS transaction_id",
            "tal.transactionline AS line_id",
            "tal.accountingbook AS accounting_book_id",
            "t.tranid AS tran_id",
            "t.type AS transaction_type",
            "tal.account AS account_id",
            "acct.acctnumber AS account_number",
            "acct.accountsearchdisplaynamecopy AS account_name",
            "tal.debit AS debit",
            "tal.credit AS credit",
            "tal.amount AS amount",
            "cur.symbol AS currency",
            "tl.memo AS memo",
            _optional(c.ledger_order_id_field, "tl", "marketplace_order_id"),
            _optional(c.ledger_payout_reference_field, "tl", "payout_reference"),
            _date("t.trandate", "tran_date"),
            _datetime("t.createddate", "posted_at"),
            _datetime("t.lastmodifieddate", "last_modified_at"),
        )
    )
    conditions = [
        "tal.posting = 'T'",
        f"t.type IN {_in(c.ledger_types)}",
        *c.since("t.lastmodifieddate", start),
    ]
    if c.accounting_book is not None:
        conditions.append(f"tal.accountingbook = {int(c.accounting_book)}")
    return SuiteQuery(
        select=select,
        source=(
            "transactionaccountingline tal JOIN transaction t ON t.id = tal.transaction "
            "JOIN account acct ON acct.id = tal.account "
            "LEFT JOIN transactionline tl ON tl.transaction = tal.transaction "
            "AND tl.id = tal.transactionline "
            "LEFT JOIN currency cur ON cur.id = t.currency"
        ),
        conditions=tuple(conditions),
        order_key=(
            ("transaction_id", "tal.transaction"),
            ("line_id", "tal.transactionline"),
            ("accounting_book_id", "tal.accountingbook"),
        ),
    )


DEPOSIT_FIELDS = (
    Field("transaction_id", "integer", required=True),
    Field("tran_id", "text", required=True),
    Field("payout_reference", "text"),
    Field("currency", "text"),
    Field("amount", "decimal"),
    Field("memo", "text"),
    Field("is_voided", "checkbox"),
    Field("tran_date", "date"),
    Field("created_at", "datetime", required=True),
    Field("last_modified_at", "datetime", required=True),
)


def deposits_query(conventions: Conventions, start: dt.datetime | None) -> SuiteQuery:
    select = ", ".join(
        (
            "t.id AS transaction_id",
            "t.tranid AS tran_id",
            f"t.{conventions.deposit_reference_field} AS payout_reference",
            "cur.symbol AS currency",
            "t.foreigntotal AS amount",
            "t.memo AS memo",
            "t.voided AS is_voided",
            _date("t.trandate", "tran_date"),
            _datetime("t.createddate", "created_at"),
            _datetime("t.lastmodifieddate", "last_modified_at"),
        )
    )
    return SuiteQuery(
        select=select,
        source="transaction t LEFT JOIN currency cur ON cur.id = t.currency",
        conditions=("t.type = 'Deposit'", *conventions.since("t.lastmodifieddate", start)),
        order_key=(("transaction_id", "t.id"),),
    )
