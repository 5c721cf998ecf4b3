"""The demo world's ERP side as typed records, for the ERP sandboxes to serve in their own shapes.

The world is ERP-neutral: it writes the ERP side once, in the public file contract. Each ERP
sandbox reads it here (decimals as Decimal, timestamps as aware UTC datetimes, booleans as
bool) and presents the same facts through its own API, so one world yields the same drift
whichever ERP serves it.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from recon.timestamps import parse_utc
from sandbox.world.erp_render import COLUMNS
from sandbox.world.layout import WorldLayout

DECIMALS = {
    "safety_stock",
    "on_hand",
    "committed",
    "total_amount",
    "quantity",
    "unit_price",
    "line_amount",
    "amount",
    "debit",
    "credit",
}
INTEGERS = {"units_per_stock_unit", "line_number"}
TIMESTAMPS = {"as_of", "created_at", "shipped_at", "posted_at", "received_at"}
BOOLEANS = {"is_marketplace_listed"}


@dataclass(frozen=True)
class ErpRecords:
    """One list of records per file of the contract; empty cells are None."""

    items: list[dict[str, Any]]
    stock_levels: list[dict[str, Any]]
    sales_orders: list[dict[str, Any]]
    sales_order_lines: list[dict[str, Any]]
    fulfilments: list[dict[str, Any]]
    refunds: list[dict[str, Any]]
    ledger_entries: list[dict[str, Any]]
    bank_deposits: list[dict[str, Any]]

    def latest_stock(self) -> list[dict[str, Any]]:
        """The newest snapshot per SKU and location: what an ERP's live stock view shows."""
        newest: dict[tuple[str, str], dict[str, Any]] = {}
        for row in self.stock_levels:
            key = (row["sku"], row["location"])
            if key not in newest or row["as_of"] > newest[key]["as_of"]:
                newest[key] = row
        return list(newest.values())

    def lines_of(self, erp_order_id: str) -> list[dict[str, Any]]:
        return [row for row in self.sales_order_lines if row["erp_order_id"] == erp_order_id]


def read_erp_records(world_dir: Path) -> ErpRecords:
    layout = WorldLayout(Path(world_dir))
    return ErpRecords(**{name: _read(layout.erp_path(name)) for name in COLUMNS})


def _read(path: Path) -> list[dict[str, Any]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return [
            {key: _typed(key, value) for key, value in row.items()}
            for row in csv.DictReader(handle)
        ]


def _typed(column: str, value: str) -> Any:
    if value == "":
        return None
    if column in DECIMALS:
        return Decimal(value)
    if column in INTEGERS:
        return int(value)
    if column in TIMESTAMPS:
        return parse_utc(value)
    if column in BOOLEANS:
        return value.strip().lower() in ("true", "1", "yes")
    return value


__all__ = ["ErpRecords", "read_erp_records"]
