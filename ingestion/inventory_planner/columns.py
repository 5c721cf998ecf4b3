"""Declared column types of the Inventory Planner tables.

Without them dlt infers types from the first values it sees: a stock of ``0`` becomes bigint
and a later ``12.5`` a variant column, a price of ``10`` loses its decimals. Quantities and
money are DECIMAL, velocities DECIMAL with six places, date-times TIMESTAMP WITH TIME ZONE.
Names are dlt's normalised names (``forecast_description__sales_velocity1``); lists become
nested tables (``variants__warehouse``, ``purchase_orders__items``).
"""

from __future__ import annotations

from typing import Any

Columns = dict[str, dict[str, Any]]

MONEY: dict[str, Any] = {"data_type": "decimal", "precision": 18, "scale": 4}
UNITS: dict[str, Any] = {"data_type": "decimal", "precision": 18, "scale": 4}
RATE: dict[str, Any] = {"data_type": "decimal", "precision": 18, "scale": 6}
TIMESTAMP: dict[str, Any] = {"data_type": "timestamp", "timezone": True}
DATE: dict[str, Any] = {"data_type": "date"}
TEXT: dict[str, Any] = {"data_type": "text"}
BIGINT: dict[str, Any] = {"data_type": "bigint"}
BOOL: dict[str, Any] = {"data_type": "bool"}


def _typed(spec: dict[str, Any], *names: str) -> Columns:
    # Nested-table hints need the name inside each column as well as in the key.
    return {name: {"name": name, **spec} for name in names}


def _columns(*parts: Columns) -> Columns:
    merged: Columns = {}
    for part in parts:
        merged.update(part)
    return merged


VARIANT_COLUMNS = _columns(
    {"id": {"name": "id", "nullable": False, **TEXT}},
    _typed(TEXT, "sku", "title", "barcode", "forecast_description__method"),
    _typed(MONEY, "price", "cost_price"),
    _typed(
        UNITS,
        "in_stock",
        "replenishment",
        "to_order",
        "purchase_orders_qty",
        "last_30_days_sales",
        "current_forecast",
        "oos",
    ),
    _typed(BIGINT, "lead_time", "review_period"),
    _typed(
        RATE,
        "forecast_description__sales_velocity1",
        "forecast_description__sales_velocity30",
        "forecast_description__trend",
    ),
    _typed(BOOL, "removed"),
    _typed(TIMESTAMP, "created_at", "updated_at"),
)

WAREHOUSE_COLUMNS = _columns(_typed(TEXT, "variant_id", "id", "name"), _typed(UNITS, "in_stock"))

VARIANT_NESTED_HINTS: dict[tuple[str, ...], dict[str, Any]] = {
    ("warehouse",): {"columns": WAREHOUSE_COLUMNS},
}

PURCHASE_ORDER_COLUMNS = _columns(
    {"id": {"name": "id", "nullable": False, **TEXT}},
    _typed(TEXT, "type", "status", "reference", "vendor", "warehouse", "currency"),
    _typed(DATE, "created_date", "expected_date"),
    _typed(MONEY, "total"),
    _typed(UNITS, "total_ordered", "total_received"),
    _typed(TIMESTAMP, "created_at", "updated_at", "last_modified"),
)

PURCHASE_ORDER_ITEM_COLUMNS = _columns(
    _typed(TEXT, "purchase_order_id", "id", "sku", "title"),
    _typed(UNITS, "replenishment", "remaining", "in_stock"),
    _typed(MONEY, "cost_price"),
)

PURCHASE_ORDER_NESTED_HINTS: dict[tuple[str, ...], dict[str, Any]] = {
    ("items",): {"columns": PURCHASE_ORDER_ITEM_COLUMNS},
}
