"""The ERP file contract: which files, which columns, which types, which keys.

This is a public contract (documented in README.md): any ERP that can export these files
feeds the drift models. Money and quantities are decimals; timestamps are ISO 8601 and mean
UTC when they carry no offset; booleans read true/false, 1/0, yes/no in any case.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Kind = Literal["text", "decimal", "integer", "boolean", "timestamp", "status", "currency"]

SALES_ORDER_STATUSES = ("open", "fulfilled", "closed", "cancelled")


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    required: bool = False
    default: Any = None
    minimum: int | None = None


@dataclass(frozen=True)
class FileSpec:
    name: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    description: str

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns if column.required)


def _c(name: str, kind: Kind, **options: Any) -> Column:
    return Column(name, kind, **options)


FILES: tuple[FileSpec, ...] = (
    FileSpec(
        "items",
        (
            _c("sku", "text", required=True),
            _c("description", "text"),
            _c("stock_uom", "text"),
            _c("units_per_stock_unit", "integer", default=1, minimum=1),
            _c("safety_stock", "decimal", default=0),
            _c("is_marketplace_listed", "boolean", default=False),
            _c("mirakl_shop_sku", "text"),
        ),
        ("sku",),
        "Item master: stock unit, case size, safety stock and the Mirakl shop SKU.",
    ),
    FileSpec(
        "stock_levels",
        (
            _c("sku", "text", required=True),
            _c("location", "text", required=True),
            _c("on_hand", "decimal", required=True),
            _c("committed", "decimal", default=0),
            _c("as_of", "timestamp", required=True),
        ),
        ("sku", "location", "as_of"),
        "Stock per SKU and location in stock units; the latest as_of per SKU and location wins.",
    ),
    FileSpec(
        "sales_orders",
        (
            _c("erp_order_id", "text", required=True),
            _c("marketplace_order_id", "text"),
            _c("created_at", "timestamp", required=True),
            _c("status", "status", required=True),
            _c("currency", "currency", required=True),
            _c("total_amount", "decimal", required=True),
        ),
        ("erp_order_id",),
        "Sales orders, with the Mirakl order_id for marketplace orders.",
    ),
    FileSpec(
        "sales_order_lines",
        (
            _c("erp_order_id", "text", required=True),
            _c("line_number", "integer", required=True, minimum=0),
            _c("sku", "text", required=True),
            _c("quantity", "decimal", required=True),
            _c("unit_price", "decimal"),
            _c("line_amount", "decimal"),
        ),
        ("erp_order_id", "line_number"),
        "Sales order lines in sellable units.",
    ),
    FileSpec(
        "fulfilments",
        (
            _c("fulfilment_id", "text", required=True),
            _c("erp_order_id", "text", required=True),
            _c("marketplace_order_id", "text"),
            _c("shipped_at", "timestamp", required=True),
            _c("carrier", "text"),
            _c("tracking_number", "text"),
        ),
        ("fulfilment_id",),
        "Shipments the warehouse made, with the ERP's own carrier name and the tracking number.",
    ),
    FileSpec(
        "refunds",
        (
            _c("refund_id", "text", required=True),
            _c("erp_order_id", "text", required=True),
            _c("marketplace_order_id", "text"),
            _c("created_at", "timestamp", required=True),
            _c("amount", "decimal", required=True),
            _c("currency", "currency", required=True),
            _c("reason", "text"),
        ),
        ("refund_id",),
        "Refunds and credit memos the ERP issued.",
    ),
    FileSpec(
        "ledger_entries",
        (
            _c("entry_id", "text", required=True),
            _c("posted_at", "timestamp", required=True),
            _c("account", "text", required=True),
            _c("debit", "decimal", default=0),
            _c("credit", "decimal", default=0),
            _c("currency", "currency", required=True),
            _c("marketplace_order_id", "text"),
            _c("payout_reference", "text"),
            _c("memo", "text"),
        ),
        ("entry_id",),
        "Ledger postings: order legs carry the order id, balancing legs the payout reference.",
    ),
    FileSpec(
        "bank_deposits",
        (
            _c("deposit_id", "text", required=True),
            _c("received_at", "timestamp", required=True),
            _c("amount", "decimal", required=True),
            _c("currency", "currency", required=True),
            _c("reference", "text"),
        ),
        ("deposit_id",),
        "Money received in the bank, with the Mirakl pay-out reference.",
    ),
)

FILES_BY_NAME = {spec.name: spec for spec in FILES}

DLT_TYPES: dict[Kind, dict[str, Any]] = {
    "text": {"data_type": "text"},
    "status": {"data_type": "text"},
    "currency": {"data_type": "text"},
    "decimal": {"data_type": "decimal", "precision": 18, "scale": 4},
    "integer": {"data_type": "bigint"},
    "boolean": {"data_type": "bool"},
    "timestamp": {"data_type": "timestamp", "timezone": True},
}


def dlt_columns(spec: FileSpec) -> dict[str, dict[str, Any]]:
    columns = {
        column.name: {
            **DLT_TYPES[column.kind],
            "nullable": not (column.required or column.default is not None),
            **({"primary_key": True} if column.name in spec.primary_key else {}),
        }
        for column in spec.columns
    }
    columns["source_file"] = {"data_type": "text", "nullable": False}
    columns["source_line"] = {"data_type": "bigint", "nullable": False}
    return columns
