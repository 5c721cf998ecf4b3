"""Render the world as the ERP exports it: the CSV files of the public ERP file contract.

Real exports are not tidy, and neither are these: sales orders are stamped in Paris local
time with an offset, fulfilments without any offset (which the contract reads as UTC), and
the stock export still carries superseded snapshots.
"""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sandbox.jsonio import format_timestamp
from sandbox.world.catalog import Catalog
from sandbox.world.stories import OrderStory

PARIS = ZoneInfo("Europe/Paris")

COLUMNS: dict[str, tuple[str, ...]] = {
    "items": (
        "sku",
        "description",
        "stock_uom",
        "units_per_stock_unit",
        "safety_stock",
        "is_marketplace_listed",
        "mirakl_shop_sku",
    ),
    "stock_levels": ("sku", "location", "on_hand", "committed", "as_of"),
    "sales_orders": (
        "erp_order_id",
        "marketplace_order_id",
        "created_at",
        "status",
        "currency",
        "total_amount",
    ),
    "sales_order_lines": (
        "erp_order_id",
        "line_number",
        "sku",
        "quantity",
        "unit_price",
        "line_amount",
    ),
    "fulfilments": (
        "fulfilment_id",
        "erp_order_id",
        "marketplace_order_id",
        "shipped_at",
        "carrier",
        "tracking_number",
    ),
    "refunds": (
        "refund_id",
        "erp_order_id",
        "marketplace_order_id",
        "created_at",
        "amount",
        "currency",
        "reason",
    ),
    "ledger_entries": (
        "entry_id",
        "posted_at",
        "account",
        "debit",
        "credit",
        "currency",
        "marketplace_order_id",
        "payout_reference",
        "memo",
    ),
    "bank_deposits": ("deposit_id", "received_at", "amount", "currency", "reference"),
}


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.datetime):
        return format_timestamp(value)
    return str(value)


def _paris(moment: dt.datetime) -> str:
    return moment.astimezone(PARIS).isoformat(timespec="seconds")


def _naive_utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).replace(tzinfo=None).isoformat(timespec="seconds")


def erp_rows(
    catalog: Catalog,
    stories: list[OrderStory],
    ledger: list[dict[str, Any]],
    deposits: list[dict[str, Any]],
    as_of: dt.datetime,
    currency: str,
) -> dict[str, list[dict[str, Any]]]:
    rows: dict[str, list[dict[str, Any]]] = {name: [] for name in COLUMNS}
    for item in catalog.items:
        rows["items"].append(
            {
                "sku": item.sku,
                "description": item.description,
                "stock_uom": item.stock_uom,
                "units_per_stock_unit": item.units_per_stock_unit,
                "safety_stock": item.safety_stock,
                "is_marketplace_listed": item.is_marketplace_listed,
                "mirakl_shop_sku": item.mirakl_shop_sku,
            }
        )
        for stock in item.stock:
            rows["stock_levels"].append(
                {
                    "sku": stock.sku,
                    "location": stock.location,
                    "on_hand": stock.on_hand,
                    "committed": stock.committed,
                    "as_of": stock.as_of,
                }
            )

    def seen(moment: dt.datetime | None) -> bool:
        return moment is not None and moment <= as_of

    for story in stories:
        if not (story.erp_order_id and seen(story.erp_created_at)):
            continue
        if seen(story.erp_cancelled_at):
            status = "cancelled"
        elif seen(story.closed_at):
            status = "closed"
        elif story.fulfilment and seen(story.fulfilment.shipped_at):
            status = "fulfilled"
        else:
            status = "open"
        total = (
            story.erp_total_override if story.erp_total_override is not None else story.total_price
        )
        rows["sales_orders"].append(
            {
                "erp_order_id": story.erp_order_id,
                "marketplace_order_id": story.order_id,
                "created_at": _paris(story.erp_created_at),
                "status": status,
                "currency": currency,
                "total_amount": total,
            }
        )
        for line in story.lines:
            rows["sales_order_lines"].append(
                {
                    "erp_order_id": story.erp_order_id,
                    "line_number": line.index,
                    "sku": line.item.sku,
                    "quantity": line.quantity,
                    "unit_price": line.unit_price,
                    "line_amount": line.price,
                }
            )
        if story.fulfilment and seen(story.fulfilment.shipped_at):
            rows["fulfilments"].append(
                {
                    "fulfilment_id": story.fulfilment.fulfilment_id,
                    "erp_order_id": story.erp_order_id,
                    "marketplace_order_id": story.order_id,
                    "shipped_at": _naive_utc(story.fulfilment.shipped_at),
                    "carrier": story.fulfilment.carrier,
                    "tracking_number": story.fulfilment.tracking_number,
                }
            )
        for refund in story.erp_refunds:
            if seen(refund.created_at):
                rows["refunds"].append(
                    {
                        "refund_id": refund.refund_id,
                        "erp_order_id": story.erp_order_id,
                        "marketplace_order_id": story.order_id,
                        "created_at": refund.created_at,
                        "amount": refund.amount,
                        "currency": currency,
                        "reason": refund.reason,
                    }
                )
    rows["ledger_entries"] = sorted(ledger, key=lambda row: (row["posted_at"], row["entry_id"]))
    rows["bank_deposits"] = sorted(deposits, key=lambda row: row["received_at"])
    return rows


def write_erp_files(directory: Path, rows: dict[str, list[dict[str, Any]]]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for name, columns in COLUMNS.items():
        with (directory / f"{name}.csv").open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(columns)
            for row in rows[name]:
                writer.writerow([_cell(row.get(column)) for column in columns])
