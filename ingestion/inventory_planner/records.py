"""Turn Inventory Planner's JSON into landable rows, or into a reason for quarantine.

Shaping converts, and checks, every value the warehouse types:

- quantities, velocities and money become ``Decimal`` (``0`` and ``12.5`` alike), so a column
  never starts life as bigint;
- ``created_at``/``updated_at``/``last_modified`` become aware UTC datetimes, and the
  purchase-order dates (``created_date``, ``expected_date``) dates;
- nested rows carry their parent's id (``variant_id``, ``purchase_order_id``), so nested
  tables join by business key.

A record that cannot be landed (no id, a variant without a SKU, a quantity that is not a number,
a date that does not parse) comes back as a ``Rejected`` naming it and the reason.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from recon.timestamps import parse_utc

DECIMAL_KEYS = frozenset(
    {
        "price",
        "cost_price",
        "in_stock",
        "replenishment",
        "to_order",
        "oos",
        "purchase_orders_qty",
        "last_30_days_sales",
        "current_forecast",
        "sales_velocity1",
        "sales_velocity30",
        "trend",
        "total",
        "total_ordered",
        "total_received",
        "remaining",
    }
)
INTEGER_KEYS = frozenset({"lead_time", "review_period"})
TIMESTAMP_KEYS = frozenset({"created_at", "updated_at", "last_modified"})
DATE_KEYS = frozenset({"created_date", "expected_date"})
BOOLEAN_KEYS = frozenset({"removed"})


@dataclass(frozen=True)
class Rejected:
    """A record that cannot be landed."""

    record_ref: str
    reason: str
    raw: Any


def shape_variant(raw: Any) -> tuple[dict[str, Any] | None, Rejected | None]:
    """A variant as landed in ``variants``; its ``warehouse[]`` entries become nested rows.

    Rejected: not an object, no ``id``, no ``sku`` (the drift rules match the ERP by SKU), or a
    value that does not convert.
    """
    row, rejected = _shape(raw, "variant")
    if row is None:
        return None, rejected
    if _text(row.get("sku")) is None:
        return None, Rejected(f"variant {row['id']}", f"variant {row['id']} has no `sku`", raw)
    row["sku"] = _text(row["sku"])
    warehouses = row.get("warehouse") or []
    if not isinstance(warehouses, list):
        return None, Rejected(
            f"variant {row['id']}", f"variant {row['id']}: `warehouse` is not a list", raw
        )
    for index, entry in enumerate(warehouses):
        if not isinstance(entry, dict):
            return None, Rejected(
                f"variant {row['id']}",
                f"variant {row['id']}: warehouse entry #{index + 1} is not an object",
                raw,
            )
        entry["variant_id"] = row["id"]
    return row, None


def shape_purchase_order(raw: Any) -> tuple[dict[str, Any] | None, Rejected | None]:
    """A purchase order as landed in ``purchase_orders``; its items become nested rows.

    Rejected: not an object, no ``id``, an item without ``id``, or a value that does not convert.
    """
    row, rejected = _shape(raw, "purchase order")
    if row is None:
        return None, rejected
    items = row.get("items") or []
    if not isinstance(items, list):
        return None, Rejected(
            f"purchase order {row['id']}", f"purchase order {row['id']}: `items` is not a list", raw
        )
    for index, item in enumerate(items):
        if not isinstance(item, dict) or _text(item.get("id")) is None:
            return None, Rejected(
                f"purchase order {row['id']}",
                f"purchase order {row['id']}: item #{index + 1} has no `id`",
                raw,
            )
        item["id"] = _text(item["id"])
        item["purchase_order_id"] = row["id"]
    return row, None


def _shape(raw: Any, entity: str) -> tuple[dict[str, Any] | None, Rejected | None]:
    if not isinstance(raw, Mapping):
        return None, Rejected(f"<{entity} without id>", f"{entity} is not a JSON object", raw)
    record_id = _text(raw.get("id"))
    if record_id is None:
        # Without its key the record is named by whatever else identifies it.
        hint = next((key for key in ("sku", "reference") if _text(raw.get(key))), None)
        ref = (
            f"<{entity} without id, {hint}={_text(raw[hint])}>"
            if hint
            else f"<{entity} without id>"
        )
        return None, Rejected(
            ref, f"{entity} has no `id`; without its key it cannot be merged", raw
        )
    errors: list[str] = []
    row = _convert(raw, "", errors)
    if errors:
        return None, Rejected(
            f"{entity} {record_id}", f"{entity} {record_id}: " + "; ".join(errors), raw
        )
    row["id"] = record_id
    return row, None


def _convert(value: Any, path: str, errors: list[str]) -> Any:
    if isinstance(value, Mapping):
        converted = {}
        for key, item in value.items():
            where = f"{path}.{key}" if path else key
            converted[key] = _convert_value(key, item, where, errors)
        return converted
    if isinstance(value, list):
        return [_convert(item, f"{path}[{index}]", errors) for index, item in enumerate(value)]
    return value


def _convert_value(key: str, value: Any, where: str, errors: list[str]) -> Any:
    if value is None or value == "":
        return None if key in DECIMAL_KEYS | INTEGER_KEYS | TIMESTAMP_KEYS | DATE_KEYS else value
    if key in DECIMAL_KEYS:
        number = _decimal(value)
        if number is None:
            errors.append(f"{where} {value!r} is not a number")
        return number
    if key in INTEGER_KEYS:
        number = _decimal(value)
        if number is None or number != number.to_integral_value():
            errors.append(f"{where} {value!r} is not a whole number")
            return None
        return int(number)
    if key in TIMESTAMP_KEYS:
        try:
            return parse_utc(value) if isinstance(value, str) else _unix(value)
        except (ValueError, TypeError, OverflowError):
            errors.append(f"{where} {value!r} is not an ISO 8601 date-time")
            return None
    if key in DATE_KEYS:
        try:
            return dt.date.fromisoformat(str(value)[:10])
        except ValueError:
            errors.append(f"{where} {value!r} is not a date (YYYY-MM-DD)")
            return None
    if key in BOOLEAN_KEYS:
        if isinstance(value, bool):
            return value
        if value in (0, 1, "0", "1", "true", "false"):
            return value in (1, "1", "true")
        errors.append(f"{where} {value!r} is not true or false")
        return None
    return _convert(value, where, errors)


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int | float | str):
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            return None
        return number if number.is_finite() else None
    return None


def _unix(value: Any) -> dt.datetime:
    # Write calls take Unix timestamps; a read may carry one too (`last_forecast_time`).
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise TypeError(value)
    return dt.datetime.fromtimestamp(int(value), dt.UTC)


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, bool | Mapping | list):
        return None
    text = str(value).strip()
    return text or None
