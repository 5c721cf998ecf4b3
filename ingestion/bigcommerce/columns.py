"""Declared column types of the BigCommerce tables, for every field the project reads.

Declared, a money column is DECIMAL from the first load even when V2 sends `"0.0000"` or V3
sends `0`, and a column that is null in every record still exists.
"""

from __future__ import annotations

from typing import Any

Columns = dict[str, dict[str, Any]]

MONEY: dict[str, Any] = {"data_type": "decimal", "precision": 18, "scale": 4}
RATE: dict[str, Any] = {"data_type": "decimal", "precision": 20, "scale": 10}
TIMESTAMP: dict[str, Any] = {"data_type": "timestamp", "timezone": True}
TEXT: dict[str, Any] = {"data_type": "text"}
BIGINT: dict[str, Any] = {"data_type": "bigint"}
BOOL: dict[str, Any] = {"data_type": "bool"}


def _typed(spec: dict[str, Any], *names: str) -> Columns:
    return {name: {"name": name, **spec} for name in names}


def _merge(*parts: Columns) -> Columns:
    merged: Columns = {}
    for part in parts:
        merged.update(part)
    return merged


def _key(columns: Columns, *names: str) -> Columns:
    for name in names:
        columns[name] = {**columns[name], "nullable": False, "primary_key": True}
    return columns


VARIANT_COLUMNS = _key(
    _merge(
        _typed(BIGINT, "variant_id", "product_id", "inventory_level", "units_per_stock_unit"),
        _typed(
            TEXT,
            "sku",
            "product_name",
            "option_label",
            "product_sku",
            "inventory_tracking",
            "upc",
            "mpn",
            "gtin",
            "shop_sku",
            "stock_uom",
        ),
        _typed(BOOL, "is_visible", "purchasing_disabled", "is_marketplace_listed"),
        _typed(MONEY, "price", "cost_price", "calculated_price"),
        _typed(TIMESTAMP, "product_date_created", "product_date_modified"),
    ),
    "variant_id",
)

LOCATION_COLUMNS = _key(
    _merge(
        _typed(BIGINT, "id"),
        _typed(TEXT, "code", "label", "type_id", "time_zone"),
        _typed(BOOL, "enabled", "managed_by_external_source"),
        _typed(TIMESTAMP, "created_at", "updated_at"),
    ),
    "id",
)

INVENTORY_ITEM_COLUMNS = _key(
    _merge(
        _typed(
            BIGINT,
            "variant_id",
            "location_id",
            "product_id",
            "available_to_sell",
            "total_inventory_onhand",
            "qty_backordered",
            "safety_stock",
            "warning_level",
        ),
        _typed(TEXT, "sku", "location_code", "location_name", "bin_picking_number"),
        _typed(BOOL, "location_enabled", "is_in_stock"),
    ),
    "variant_id",
    "location_id",
)

_ORDER_MONEY = (
    "subtotal_ex_tax",
    "subtotal_inc_tax",
    "subtotal_tax",
    "base_shipping_cost",
    "shipping_cost_ex_tax",
    "shipping_cost_inc_tax",
    "shipping_cost_tax",
    "base_handling_cost",
    "handling_cost_ex_tax",
    "handling_cost_inc_tax",
    "handling_cost_tax",
    "base_wrapping_cost",
    "wrapping_cost_ex_tax",
    "wrapping_cost_inc_tax",
    "wrapping_cost_tax",
    "total_ex_tax",
    "total_inc_tax",
    "total_tax",
    "refunded_amount",
    "store_credit_amount",
    "gift_certificate_amount",
    "discount_amount",
    "coupon_discount",
)

ORDER_COLUMNS = _key(
    _merge(
        _typed(
            BIGINT, "id", "customer_id", "status_id", "channel_id", "items_total", "items_shipped"
        ),
        _typed(
            TEXT,
            "status",
            "custom_status",
            "currency_code",
            "default_currency_code",
            "payment_method",
            "payment_status",
            "order_source",
            "external_source",
            "external_id",
            "external_merchant_id",
            "external_order_id",
            "billing_country_iso2",
            "payment_provider_id",
            "credit_card_type",
        ),
        _typed(MONEY, *_ORDER_MONEY),
        _typed(RATE, "currency_exchange_rate"),
        _typed(BOOL, "is_deleted"),
        _typed(TIMESTAMP, "date_created", "date_modified", "date_shipped"),
    ),
    "id",
)
# Overlapping pages may carry one order twice in a load: the newest wins.
ORDER_COLUMNS["date_modified"] = {**ORDER_COLUMNS["date_modified"], "dedup_sort": "desc"}

ORDER_PRODUCT_COLUMNS = _key(
    _merge(
        _typed(
            BIGINT,
            "id",
            "order_id",
            "product_id",
            "variant_id",
            "quantity",
            "quantity_shipped",
            "quantity_refunded",
        ),
        _typed(TEXT, "sku", "name", "type", "external_id"),
        _typed(BIGINT, "parent_order_product_id"),
        _typed(
            MONEY,
            "base_price",
            "price_ex_tax",
            "price_inc_tax",
            "price_tax",
            "base_total",
            "total_ex_tax",
            "total_inc_tax",
            "total_tax",
            "refund_amount",
        ),
        _typed(BOOL, "is_refunded"),
    ),
    "id",
)

SHIPMENT_COLUMNS = _key(
    _merge(
        _typed(BIGINT, "id", "order_id", "customer_id", "order_address_id"),
        _typed(
            TEXT,
            "tracking_number",
            "shipping_method",
            "shipping_provider",
            "shipping_provider_display_name",
            "tracking_carrier",
            "tracking_link",
            "generated_tracking_link",
        ),
        _typed(MONEY, "merchant_shipping_cost"),
        _typed(TIMESTAMP, "date_created"),
    ),
    "id",
)

SHIPMENT_NESTED_HINTS: dict[tuple[str, ...], dict[str, Any]] = {
    ("items",): {"columns": _typed(BIGINT, "order_product_id", "product_id", "quantity")}
}

REFUND_COLUMNS = _key(
    _merge(
        _typed(BIGINT, "id", "order_id", "user_id"),
        _typed(TEXT, "reason"),
        _typed(MONEY, "total_amount", "total_tax"),
        _typed(BOOL, "uses_merchant_override_values"),
        _typed(TIMESTAMP, "created"),
    ),
    "id",
)

REFUND_NESTED_HINTS: dict[tuple[str, ...], dict[str, Any]] = {
    ("items",): {
        "columns": _merge(
            _typed(TEXT, "item_type", "reason"),
            _typed(BIGINT, "item_id", "quantity"),
            _typed(MONEY, "requested_amount"),
        )
    },
    ("payments",): {
        "columns": _merge(
            _typed(BIGINT, "id"),
            _typed(TEXT, "provider_id", "declined_message", "transaction_id"),
            _typed(MONEY, "amount"),
            _typed(BOOL, "offline", "is_declined"),
        )
    },
}
