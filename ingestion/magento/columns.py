"""Declared column types of the Magento tables, derived from the fields each entity lands.

Without them dlt infers types from the first values it sees (a money field that first
arrives as ``0`` becomes bigint; a field that is null everywhere gets no column at all).
Nested lists land as child tables: ``orders__items``, ``shipments__items``,
``shipments__tracks``, ``credit_memos__items`` and ``credit_memos__comments``.
"""

from __future__ import annotations

from typing import Any

from .records import (
    CREDIT_MEMO,
    NESTED,
    ORDER,
    PRODUCT,
    SHIPMENT,
    SOURCE_ITEM,
    Entity,
    Kind,
)

Columns = dict[str, dict[str, Any]]

TYPES: dict[Kind, dict[str, Any]] = {
    "integer": {"data_type": "bigint"},
    "text": {"data_type": "text"},
    "money": {"data_type": "decimal", "precision": 18, "scale": 4},
    "quantity": {"data_type": "decimal", "precision": 18, "scale": 4},
    "timestamp": {"data_type": "timestamp", "timezone": True},
}


def entity_columns(entity: Entity, **extra: Kind) -> Columns:
    # Nested-table hints need the name inside each column as well as in the key.
    kinds = {**entity.fields, **extra}
    return {
        name: {
            "name": name,
            **TYPES[kind],
            "nullable": name not in entity.required,
        }
        for name, kind in kinds.items()
    }


def nested_hints(entity: Entity, **extra: dict[str, Kind]) -> dict[tuple[str, ...], Any]:
    return {
        (list_name,): {"columns": entity_columns(child, **extra.get(list_name, {}))}
        for list_name, child in NESTED[entity.name].items()
    }


ORDER_COLUMNS = entity_columns(ORDER)
ORDER_NESTED_HINTS = nested_hints(ORDER, items={"order_increment_id": "text"})
SHIPMENT_COLUMNS = entity_columns(SHIPMENT)
SHIPMENT_NESTED_HINTS = nested_hints(SHIPMENT)
CREDIT_MEMO_COLUMNS = entity_columns(CREDIT_MEMO)
CREDIT_MEMO_NESTED_HINTS = nested_hints(CREDIT_MEMO)
PRODUCT_COLUMNS: Columns = {
    **entity_columns(PRODUCT, mirakl_shop_sku="text", stock_uom="text", custom_attributes="text"),
    "is_marketplace_listed": {
        "name": "is_marketplace_listed",
        "data_type": "bool",
        "nullable": False,
    },
    "units_per_stock_unit": {
        "name": "units_per_stock_unit",
        "data_type": "bigint",
        "nullable": False,
    },
    "safety_stock": {"name": "safety_stock", **TYPES["quantity"], "nullable": False},
}
SOURCE_ITEM_COLUMNS = entity_columns(SOURCE_ITEM, pulled_at="timestamp")
SALABLE_QUANTITY_COLUMNS: Columns = {
    "sku": {"name": "sku", "data_type": "text", "nullable": False},
    "stock_id": {"name": "stock_id", "data_type": "bigint", "nullable": False},
    "salable_quantity": {"name": "salable_quantity", **TYPES["quantity"], "nullable": False},
    "pulled_at": {"name": "pulled_at", **TYPES["timestamp"], "nullable": False},
}
