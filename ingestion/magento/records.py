"""Turn Magento's JSON records into landable rows, or into a reason for quarantine.

Each entity lands a declared list of fields (``FIELDS``), each with a kind that fixes its
column type; anything else Magento sends is left out. That keeps customer personal data
(names, e-mail, addresses, phone) out of the warehouse, and keeps every column typed from
the first load whatever values arrive.

- ``timestamp``: Magento writes ``YYYY-MM-DD HH:MM:SS`` in UTC without an offset (the API
  answers UTC whatever the store's locale, magento2#24985); landed as aware UTC datetimes.
- ``money`` / ``quantity``: decimals (Magento sends JSON numbers; integral ones arrive as
  integers and are made decimals too, so a column never starts life as bigint).
- ``integer`` / ``text``: as named. Null fields, which Magento leaves out, land as null.

A record lacking a required field, or with a value of the wrong kind, is rejected with its
key and the reason.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from recon.timestamps import parse_utc

from .attributes import AttributeConvention, AttributeValueError

Kind = Literal["integer", "text", "money", "quantity", "timestamp"]


@dataclass(frozen=True)
class Rejected:
    """A record that cannot be landed."""

    record_ref: str
    reason: str
    raw: Any


@dataclass(frozen=True)
class Entity:
    """What one Magento record type lands: its fields, key and required fields."""

    name: str
    key: str
    fields: Mapping[str, Kind]
    required: tuple[str, ...] = ()


ORDER_ITEM = Entity(
    "order item",
    "item_id",
    {
        "item_id": "integer",
        "order_id": "integer",
        "parent_item_id": "integer",
        "sku": "text",
        "name": "text",
        "product_id": "integer",
        "product_type": "text",
        "qty_ordered": "quantity",
        "qty_invoiced": "quantity",
        "qty_shipped": "quantity",
        "qty_refunded": "quantity",
        "qty_canceled": "quantity",
        "price": "money",
        "base_price": "money",
        "row_total": "money",
        "base_row_total": "money",
        "created_at": "timestamp",
        "updated_at": "timestamp",
    },
    ("item_id", "sku"),
)
ORDER = Entity(
    "order",
    "entity_id",
    {
        "entity_id": "integer",
        "increment_id": "text",
        "ext_order_id": "text",
        "state": "text",
        "status": "text",
        "store_id": "integer",
        "order_currency_code": "text",
        "base_currency_code": "text",
        "grand_total": "money",
        "base_grand_total": "money",
        "subtotal": "money",
        "base_subtotal": "money",
        "shipping_amount": "money",
        "tax_amount": "money",
        "discount_amount": "money",
        "total_paid": "money",
        "total_refunded": "money",
        "total_qty_ordered": "quantity",
        "customer_is_guest": "integer",
        "created_at": "timestamp",
        "updated_at": "timestamp",
    },
    ("entity_id", "increment_id", "created_at", "updated_at"),
)
SHIPMENT_ITEM = Entity(
    "shipment item",
    "entity_id",
    {
        "entity_id": "integer",
        "parent_id": "integer",
        "order_item_id": "integer",
        "product_id": "integer",
        "sku": "text",
        "name": "text",
        "qty": "quantity",
        "price": "money",
        "row_total": "money",
    },
    ("entity_id",),
)
TRACK = Entity(
    "track",
    "entity_id",
    {
        "entity_id": "integer",
        "parent_id": "integer",
        "order_id": "integer",
        "carrier_code": "text",
        "title": "text",
        "track_number": "text",
        "description": "text",
        "qty": "quantity",
        "weight": "quantity",
        "created_at": "timestamp",
        "updated_at": "timestamp",
    },
    ("entity_id",),
)
SHIPMENT = Entity(
    "shipment",
    "entity_id",
    {
        "entity_id": "integer",
        "increment_id": "text",
        "order_id": "integer",
        "store_id": "integer",
        "total_qty": "quantity",
        "shipment_status": "integer",
        "created_at": "timestamp",
        "updated_at": "timestamp",
    },
    ("entity_id", "increment_id", "order_id", "created_at", "updated_at"),
)
CREDIT_MEMO_ITEM = Entity(
    "credit memo item",
    "entity_id",
    {
        "entity_id": "integer",
        "parent_id": "integer",
        "order_item_id": "integer",
        "product_id": "integer",
        "sku": "text",
        "qty": "quantity",
        "price": "money",
        "row_total": "money",
    },
    ("entity_id",),
)
CREDIT_MEMO_COMMENT = Entity(
    "credit memo comment",
    "entity_id",
    {
        "entity_id": "integer",
        "parent_id": "integer",
        "comment": "text",
        "is_customer_notified": "integer",
        "is_visible_on_front": "integer",
        "created_at": "timestamp",
    },
    ("entity_id",),
)
CREDIT_MEMO = Entity(
    "credit memo",
    "entity_id",
    {
        "entity_id": "integer",
        "increment_id": "text",
        "order_id": "integer",
        "invoice_id": "integer",
        "store_id": "integer",
        "state": "integer",
        "creditmemo_status": "integer",
        "order_currency_code": "text",
        "base_currency_code": "text",
        "grand_total": "money",
        "base_grand_total": "money",
        "subtotal": "money",
        "shipping_amount": "money",
        "tax_amount": "money",
        "discount_amount": "money",
        "adjustment_positive": "money",
        "adjustment_negative": "money",
        "adjustment": "money",
        "created_at": "timestamp",
        "updated_at": "timestamp",
    },
    ("entity_id", "increment_id", "order_id", "created_at", "updated_at"),
)
PRODUCT = Entity(
    "product",
    "sku",
    {
        "id": "integer",
        "sku": "text",
        "name": "text",
        "type_id": "text",
        "attribute_set_id": "integer",
        "status": "integer",
        "visibility": "integer",
        "price": "money",
        "weight": "quantity",
        "created_at": "timestamp",
        "updated_at": "timestamp",
    },
    ("id", "sku", "updated_at"),
)
SOURCE_ITEM = Entity(
    "source item",
    "sku",
    {"sku": "text", "source_code": "text", "quantity": "quantity", "status": "integer"},
    ("sku", "source_code", "quantity"),
)

# Nested lists landed as child tables, per parent entity.
NESTED: dict[str, dict[str, Entity]] = {
    "order": {"items": ORDER_ITEM},
    "shipment": {"items": SHIPMENT_ITEM, "tracks": TRACK},
    "credit memo": {"items": CREDIT_MEMO_ITEM, "comments": CREDIT_MEMO_COMMENT},
}


class _Invalid(ValueError):
    pass


def parse_magento_time(value: Any) -> dt.datetime:
    """Magento's ``YYYY-MM-DD HH:MM:SS`` (UTC, no offset) as an aware UTC datetime."""
    try:
        return parse_utc(value)
    except ValueError:
        raise _Invalid(f"{value!r} is not a date-time") from None


def _value(kind: Kind, value: Any) -> Any:
    if kind == "text":
        if isinstance(value, dict | list):
            raise _Invalid(f"{value!r} is not text")
        return str(value)
    if kind == "integer":
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, int):
            return value
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            raise _Invalid(f"{value!r} is not a whole number") from None
        if not number.is_finite() or number != number.to_integral_value():
            raise _Invalid(f"{value!r} is not a whole number")
        return int(number)
    if kind in ("money", "quantity"):
        if isinstance(value, bool | dict | list):
            raise _Invalid(f"{value!r} is not a number")
        try:
            number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
        except InvalidOperation:
            raise _Invalid(f"{value!r} is not a number") from None
        if not number.is_finite():
            raise _Invalid(f"{value!r} is not a finite number")
        return number
    return parse_magento_time(value)


def parse_quantity(value: Any) -> Decimal:
    """A bare JSON number (the salable quantity) as a Decimal; ValueError when it is not one."""
    try:
        return _value("quantity", value)
    except _Invalid as error:
        raise ValueError(str(error)) from None


def _key_text(value: Any) -> str | None:
    if value is None or isinstance(value, bool | dict | list):
        return None
    text = str(value).strip()
    return text or None


def _pick(raw: Mapping[str, Any], entity: Entity, errors: list[str], where: str) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for name, kind in entity.fields.items():
        value = raw.get(name)
        blank = isinstance(value, str) and not value.strip()
        if value is None or (blank and (kind != "text" or name in entity.required)):
            if name in entity.required:
                errors.append(f"{where}has no `{name}`")
            row[name] = None
            continue
        try:
            row[name] = _value(kind, value)
        except _Invalid as error:
            errors.append(f"{where}`{name}` {error}")
            row[name] = None
    return row


def shape(raw: Any, entity: Entity) -> tuple[dict[str, Any] | None, Rejected | None]:
    """A landable row of `entity` (nested lists shaped too), or why it cannot be landed."""
    if not isinstance(raw, Mapping):
        return None, Rejected(f"<{entity.name}>", f"{entity.name} is not a JSON object", raw)
    ref = _key_text(raw.get(entity.key)) or _describe_keyless(raw, entity)
    errors: list[str] = []
    row = _pick(raw, entity, errors, "")
    for list_name, child in NESTED.get(entity.name, {}).items():
        children = raw.get(list_name) or []
        if not isinstance(children, list):
            errors.append(f"`{list_name}` is not a list")
            continue
        shaped = []
        for index, item in enumerate(children):
            where = f"{child.name} #{index + 1} "
            if isinstance(item, Mapping):
                shaped.append(_pick(item, child, errors, where))
            else:
                errors.append(where + "is not a JSON object")
        row[list_name] = shaped
    if errors:
        return None, Rejected(ref, f"{entity.name} {ref}: " + "; ".join(errors), raw)
    return row, None


def _describe_keyless(raw: Mapping[str, Any], entity: Entity) -> str:
    for hint in ("increment_id", "entity_id", "sku", "id", "created_at"):
        if hint != entity.key and _key_text(raw.get(hint)) is not None:
            return f"<{entity.name} without {entity.key}, {hint}={raw[hint]}>"
    return f"<{entity.name} without {entity.key}>"


def shape_order(raw: Any) -> tuple[dict[str, Any] | None, Rejected | None]:
    """An order with its items. Each item carries the order's ``increment_id`` as
    ``order_increment_id`` (not in Magento's item), so lines join to orders by business key.
    Child items of configurable and bundle products (``parent_item_id`` set) are landed too;
    the staging reads the parent rows, which carry the ordered SKU and price."""
    row, rejected = shape(raw, ORDER)
    if row is not None:
        for item in row["items"]:
            item["order_increment_id"] = row["increment_id"]
    return row, rejected


def shape_product(
    raw: Any, convention: AttributeConvention
) -> tuple[dict[str, Any] | None, Rejected | None]:
    """A product, with the item-master columns read from its custom attributes.

    ``custom_attributes`` also lands whole, as a JSON object of code -> value (text).
    """
    row, rejected = shape(raw, PRODUCT)
    if row is None:
        return None, rejected
    attributes: dict[str, Any] = {}
    for attribute in raw.get("custom_attributes") or []:
        if isinstance(attribute, Mapping) and attribute.get("attribute_code"):
            attributes[str(attribute["attribute_code"])] = attribute.get("value")
    try:
        row.update(convention.read(attributes))
    except AttributeValueError as error:
        return None, Rejected(row["sku"], f"product {row['sku']}: {error}", raw)
    row["custom_attributes"] = json.dumps(attributes, sort_keys=True, default=str)
    return row, None
