"""Turn Mirakl's JSON items into landable rows, or into a reason for quarantine.

Shaping does three things to every item:

- date-times (``*_date``, ``date_created``, ``last_updated``, ...) become aware UTC
  ``datetime`` objects, so that nested tables are typed as timestamps too;
- integral money values (``0``, ``5300``) become ``Decimal`` like the rest of the money, so
  a column never starts life as bigint and later splits into a variant;
- the few per-entity fixes documented on each function.

An item that cannot be landed (no key, a date-time that does not parse) comes back as a
``Rejected`` carrying its key and the reason; the caller quarantines it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from recon.timestamps import parse_utc as parse_timestamp

# Keys whose values are money or rates, wherever they appear in an item.
_MONEY_KEYS = frozenset(
    {
        "amount",
        "balance",
        "commission_fee",
        "commission_rate_vat",
        "commission_vat",
        "discount_price",
        "origin_price",
        "origin_unit_price",
        "price",
        "price_unit",
        "rate",
        "shipping_price_additional_unit",
        "shipping_price_unit",
        "unit_origin_price",
        "unit_discount_price",
    }
)
_MONEY_SUFFIXES = ("_amount", "_price", "_balance", "_taxes_amount")
_MONEY_PREFIXES = ("amount_", "total_")

# Keys whose values are date-times besides every ``*_date``.
_TIMESTAMP_KEYS = frozenset(
    {"date", "date_created", "last_updated", "shipping_deadline", "earliest", "latest"}
)
# Keys that look like date-times by name but are not.
_NOT_TIMESTAMP_KEYS = frozenset({"total_count"})

# The customer fields that reconciliation needs; names, addresses and phones are not landed.
CUSTOMER_FIELDS_KEPT = ("customer_id", "locale")


@dataclass(frozen=True)
class Rejected:
    """An item that cannot be landed."""

    record_ref: str
    reason: str
    raw: Any


def is_timestamp_key(key: str) -> bool:
    return key not in _NOT_TIMESTAMP_KEYS and (key.endswith("_date") or key in _TIMESTAMP_KEYS)


def is_money_key(key: str) -> bool:
    return (
        key in _MONEY_KEYS or key.endswith(_MONEY_SUFFIXES) or key.startswith(_MONEY_PREFIXES)
    ) and key != "total_count"


def _convert(value: Any, path: str, errors: list[str]) -> Any:
    if isinstance(value, Mapping):
        converted = {}
        for key, item in value.items():
            item_path = f"{path}.{key}" if path else key
            if item is not None and is_timestamp_key(key):
                try:
                    converted[key] = parse_timestamp(item)
                except ValueError:
                    errors.append(f"{item_path} {item!r} is not an ISO 8601 date-time")
                    converted[key] = item
            elif is_money_key(key) and isinstance(item, int) and not isinstance(item, bool):
                converted[key] = Decimal(item)
            else:
                converted[key] = _convert(item, item_path, errors)
        return converted
    if isinstance(value, list):
        return [_convert(item, f"{path}[{index}]", errors) for index, item in enumerate(value)]
    return value


def _key_text(value: Any) -> str | None:
    if value is None or isinstance(value, bool | Mapping | list):
        return None
    text = str(value).strip()
    return text or None


def _shape(
    raw: Any, entity: str, key: str, required_timestamps: tuple[str, ...] = ()
) -> tuple[dict[str, Any] | None, Rejected | None]:
    """Convert an item; reject it when it has no key or a date-time that does not parse."""
    if not isinstance(raw, Mapping):
        return None, Rejected(f"<{entity} without {key}>", f"{entity} is not a JSON object", raw)
    record_key = _key_text(raw.get(key))
    if record_key is None:
        return None, Rejected(
            _describe_keyless(raw, entity, key),
            f"{entity} has no `{key}`; without its key it cannot be merged",
            raw,
        )
    for field in required_timestamps:
        if raw.get(field) is None:
            return None, Rejected(record_key, f"{entity} {record_key} has no `{field}`", raw)
    errors: list[str] = []
    row = _convert(raw, "", errors)
    if errors:
        return None, Rejected(record_key, f"{entity} {record_key}: " + "; ".join(errors), raw)
    row[key] = record_key
    return row, None


def _describe_keyless(raw: Mapping[str, Any], entity: str, key: str) -> str:
    # Without its key the record is named by whatever else identifies it.
    for hint in ("commercial_id", "shop_sku", "label", "date_created", "created_date"):
        if _key_text(raw.get(hint)) is not None:
            return f"<{entity} without {key}, {hint}={raw[hint]}>"
    return f"<{entity} without {key}>"


def _strip_customer(order: dict[str, Any]) -> dict[str, Any]:
    customer = order.get("customer")
    kept = dict(order)
    if isinstance(customer, Mapping):
        kept["customer"] = {field: customer.get(field) for field in CUSTOMER_FIELDS_KEPT}
    # An anonymised relay address, still a way to reach a person: not needed to reconcile.
    kept.pop("customer_notification_email", None)
    return kept


def prepare_order(raw: Any) -> tuple[dict[str, Any] | None, Rejected | None]:
    """An OR11 order ready to be flattened into ``orders`` and its nested tables.

    - Only ``customer.customer_id`` and ``customer.locale`` are kept; names, addresses, phones
      and ``customer_notification_email`` are dropped before anything else, quarantine included.
    - ``paymentType`` (deprecated) folds into ``payment_type``: both normalise to one column.
    - A refund without ``refund_state`` gets it from the deprecated ``state`` that older
      instances send; both are landed.
    - Lines carry their ``order_id``, refunds and cancelations their ``order_id`` and
      ``order_line_id`` (not in Mirakl's payload), so nested tables join by business key.
    - Rejected: no ``order_id``, no ``last_updated_date``, or a line without
      ``order_line_id``. Date-times are parsed, and unparseable ones rejected, when the page
      is typed (``order_tables.py``).
    """
    if not isinstance(raw, Mapping):
        return None, Rejected("<order without order_id>", "order is not a JSON object", raw)
    order = _strip_customer(dict(raw))
    if "paymentType" in order:
        legacy = order.pop("paymentType")
        if order.get("payment_type") is None:
            order["payment_type"] = legacy
    order_id = _key_text(order.get("order_id"))
    if order_id is None:
        return None, Rejected(
            _describe_keyless(order, "order", "order_id"),
            "order has no `order_id`; without its key it cannot be merged",
            order,
        )
    order["order_id"] = order_id
    if order.get("last_updated_date") is None:
        return None, Rejected(order_id, f"order {order_id} has no `last_updated_date`", order)
    lines = []
    for index, line in enumerate(order.get("order_lines") or []):
        if not isinstance(line, Mapping) or _key_text(line.get("order_line_id")) is None:
            return None, Rejected(
                order_id,
                f"order {order_id}: order line #{index + 1} has no `order_line_id`",
                order,
            )
        line = dict(line)
        line["order_line_id"] = _key_text(line["order_line_id"])
        line.setdefault("order_id", order_id)
        for children in ("refunds", "cancelations"):
            stamped = []
            for child in line.get(children) or []:
                if isinstance(child, Mapping):
                    child = dict(child)
                    if children == "refunds" and child.get("refund_state") is None:
                        child["refund_state"] = child.get("state")
                    child.setdefault("order_id", order_id)
                    child.setdefault("order_line_id", line["order_line_id"])
                stamped.append(child)
            if children in line:
                line[children] = stamped
        lines.append(line)
    if "order_lines" in order:
        order["order_lines"] = lines
    return order, None


def shape_transaction_log(raw: Any) -> tuple[dict[str, Any] | None, Rejected | None]:
    """A TL02 transaction line as landed in ``transaction_logs``.

    ``amount``, ``amount_credited`` and ``amount_debited`` are landed as Mirakl sends them.
    Mirakl does not document the sign of ``amount``; this project reads it as
    ``amount_credited - amount_debited`` (a credit to the seller is positive), and fills
    whichever of the three is missing from the other two under that convention.
    Rejected: no ``id``, no or unparseable ``last_updated``, any unparseable date-time.
    """
    row, rejected = _shape(raw, "transaction line", "id", ("last_updated",))
    if row is None:
        return None, rejected
    credited, debited, amount = (
        row.get("amount_credited"),
        row.get("amount_debited"),
        row.get("amount"),
    )
    if amount is None and credited is not None and debited is not None:
        row["amount"] = credited - debited
    elif amount is not None and credited is None and debited is None:
        row["amount_credited"] = max(amount, Decimal(0))
        row["amount_debited"] = max(-amount, Decimal(0))
    return row, None


def shape_keyed(raw: Any, entity: str, key: str) -> tuple[dict[str, Any] | None, Rejected | None]:
    """Any other item (offer, carrier, reason, billing cycle, invoice), keyed by ``key``."""
    return _shape(raw, entity, key)
