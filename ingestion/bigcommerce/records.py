"""Turn BigCommerce's JSON into landable rows, or into a reason for quarantine.

- V2 date-times are RFC 2822 (`Wed, 05 Dec 2018 20:16:55 +0000`) and become aware UTC
  datetimes; an empty string (`date_shipped` before shipping) becomes None. V3 date-times are
  ISO 8601 / RFC 3339.
- V2 money arrives as strings (`"225.0000"`) and V3 money as JSON numbers; both become Decimal.
- Shopper details (billing and shipping addresses, e-mail, phone, IP addresses, free-text
  messages and product options) are never landed; of the billing address only the country is
  kept.
- A record without its key, with a date or amount that does not parse, or (for variants) with
  an item attribute the convention cannot read, comes back as a `Rejected`.
"""

from __future__ import annotations

import datetime as dt
import email.utils
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from recon.timestamps import parse_utc

from .conventions import ConventionError, ItemConvention

V2_MONEY_SUFFIXES = (
    "_ex_tax",
    "_inc_tax",
    "_tax",
    "_cost",
    "_amount",
    "_price",
    "_total",
    "_discount",
)
V2_DECIMAL_KEYS = {"weight", "width", "height", "depth", "currency_exchange_rate"}
V2_NOT_MONEY = {
    "shipping_cost_tax_class_id",
    "handling_cost_tax_class_id",
    "wrapping_cost_tax_class_id",
    "items_total",
}
V3_MONEY_KEYS = {
    "price",
    "cost_price",
    "calculated_price",
    "sale_price",
    "retail_price",
    "map_price",
    "total_amount",
    "total_tax",
    "requested_amount",
    "amount",
}
# Shopper details BigCommerce sends with orders and shipments; reconciliation needs none of them.
ORDER_DROPPED = (
    "billing_address",
    "ip_address",
    "ip_address_v6",
    "customer_message",
    "staff_notes",
    "products",
    "shipping_addresses",
    "coupons",
    "consignments",
)
ORDER_PRODUCT_DROPPED = (
    "product_options",
    "configurable_fields",
    "applied_discounts",
    "gift_certificate_id",
)
SHIPMENT_DROPPED = ("billing_address", "shipping_address", "comments")


@dataclass(frozen=True)
class Rejected:
    record_ref: str
    reason: str
    raw: Any


class _Unreadable(ValueError):
    pass


def parse_rfc2822(value: Any, name: str) -> dt.datetime | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(str(value))
    except (TypeError, ValueError, IndexError):
        raise _Unreadable(f"{name} {value!r} is not an RFC 2822 date") from None
    if parsed.tzinfo is None:
        raise _Unreadable(f"{name} {value!r} has no time zone")
    return parsed.astimezone(dt.UTC)


def parse_iso(value: Any, name: str) -> dt.datetime | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        return parse_utc(value)
    except ValueError:
        raise _Unreadable(f"{name} {value!r} is not an ISO 8601 date-time") from None


def _decimal(value: Any, name: str) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise _Unreadable(f"{name} {value!r} is not a number")
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise _Unreadable(f"{name} {value!r} is not a number") from None


def _is_v2_money(key: str) -> bool:
    return key not in V2_NOT_MONEY and (key.endswith(V2_MONEY_SUFFIXES) or key in V2_DECIMAL_KEYS)


def _v2_numbers(record: dict[str, Any]) -> dict[str, Any]:
    return {
        key: _decimal(value, key)
        if _is_v2_money(key)
        and isinstance(value, str | int | float | Decimal)
        and not isinstance(value, bool)
        else value
        for key, value in record.items()
    }


def _v3_money(value: Any, path: str = "") -> Any:
    if isinstance(value, Mapping):
        return {
            key: _decimal(item, key)
            if key in V3_MONEY_KEYS and not isinstance(item, Mapping | list)
            else _v3_money(item, key)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_v3_money(item, path) for item in value]
    return value


def _key(raw: Any, name: str) -> int | None:
    value = raw.get(name) if isinstance(raw, Mapping) else None
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value


def _reject_keyless(raw: Any, entity: str, key: str, hint: str) -> Rejected:
    described = raw.get(hint) if isinstance(raw, Mapping) else None
    ref = f"<{entity} without {key}" + (f", {hint}={described}>" if described else ">")
    return Rejected(
        ref, f"{entity} has no integer `{key}`; without it the record cannot be merged", raw
    )


# --- catalog ----------------------------------------------------------------------------------


def shape_variants(
    product: Any, convention: ItemConvention
) -> tuple[list[dict[str, Any]], list[Rejected]]:
    """One row per variant of a V3 product fetched with `include=variants,custom_fields`."""
    if _key(product, "id") is None:
        return [], [_reject_keyless(product, "product", "id", "sku")]
    try:
        product_created = parse_iso(product.get("date_created"), "date_created")
        product_modified = parse_iso(product.get("date_modified"), "date_modified")
    except _Unreadable as error:
        return [], [
            Rejected(f"product {product['id']}", f"product {product['id']}: {error}", product)
        ]
    rows, rejects = [], []
    for variant in product.get("variants") or []:
        if _key(variant, "id") is None:
            rejects.append(_reject_keyless(variant, "variant", "id", "sku"))
            continue
        ref = f"variant {variant['id']}"
        sku = str(variant.get("sku") or "").strip()
        if not sku:
            rejects.append(Rejected(ref, f"{ref} of product {product['id']} has no SKU", variant))
            continue
        try:
            attributes = convention.resolve(product, variant)
            prices = {
                name: _decimal(variant.get(name), name)
                for name in ("price", "cost_price", "calculated_price")
            }
        except (ConventionError, _Unreadable) as error:
            rejects.append(
                Rejected(ref, f"{ref} ({sku}): {error}", {"product": product, "variant": variant})
            )
            continue
        options = ", ".join(
            f"{value.get('option_display_name')}: {value.get('label')}"
            for value in variant.get("option_values") or []
            if isinstance(value, Mapping)
        )
        rows.append(
            {
                "variant_id": variant["id"],
                "product_id": product["id"],
                "sku": sku,
                "product_name": product.get("name"),
                "option_label": options or None,
                "product_sku": product.get("sku") or None,
                "inventory_tracking": product.get("inventory_tracking"),
                "is_visible": product.get("is_visible"),
                "purchasing_disabled": variant.get("purchasing_disabled"),
                "upc": variant.get("upc") or None,
                "mpn": variant.get("mpn") or None,
                "gtin": variant.get("gtin") or None,
                "inventory_level": variant.get("inventory_level"),
                **prices,
                "product_date_created": product_created,
                "product_date_modified": product_modified,
                **attributes,
            }
        )
    return rows, rejects


def shape_location(raw: Any) -> tuple[dict[str, Any] | None, Rejected | None]:
    if _key(raw, "id") is None:
        return None, _reject_keyless(raw, "location", "id", "code")
    try:
        created = parse_iso(raw.get("created_at"), "created_at")
        updated = parse_iso(raw.get("updated_at"), "updated_at")
    except _Unreadable as error:
        return None, Rejected(f"location {raw['id']}", f"location {raw['id']}: {error}", raw)
    return {
        "id": raw["id"],
        "code": raw.get("code"),
        "label": raw.get("label"),
        "type_id": raw.get("type_id"),
        "enabled": raw.get("enabled"),
        "managed_by_external_source": raw.get("managed_by_external_source"),
        "time_zone": raw.get("time_zone"),
        "created_at": created,
        "updated_at": updated,
    }, None


def shape_inventory_item(raw: Any) -> tuple[list[dict[str, Any]], list[Rejected]]:
    """One row per variant and location of a V3 `/inventory/items` entry."""
    identity = raw.get("identity") if isinstance(raw, Mapping) else None
    if not isinstance(identity, Mapping) or _key(identity, "variant_id") is None:
        return [], [
            _reject_keyless(identity or raw, "inventory item", "identity.variant_id", "sku")
        ]
    rows, rejects = [], []
    for location in raw.get("locations") or []:
        ref = f"variant {identity['variant_id']} at location {location.get('location_id')}"
        if _key(location, "location_id") is None:
            rejects.append(Rejected(ref, f"inventory of {ref}: no location_id", raw))
            continue
        onhand = location.get("total_inventory_onhand")
        if isinstance(onhand, bool) or not isinstance(onhand, int):
            rejects.append(
                Rejected(
                    ref,
                    f"inventory of {ref}: total_inventory_onhand {onhand!r} is not a whole number",
                    raw,
                )
            )
            continue
        settings = location.get("settings") or {}
        rows.append(
            {
                "variant_id": identity["variant_id"],
                "location_id": location["location_id"],
                "sku": identity.get("sku"),
                "product_id": identity.get("product_id"),
                "location_code": location.get("location_code"),
                "location_name": location.get("location_name"),
                "location_enabled": location.get("location_enabled"),
                "available_to_sell": location.get("available_to_sell"),
                "total_inventory_onhand": onhand,
                # Only present once backorders are enabled on the store.
                "qty_backordered": location.get("qty_backordered") or 0,
                "safety_stock": settings.get("safety_stock") or 0,
                "is_in_stock": settings.get("is_in_stock"),
                "warning_level": settings.get("warning_level"),
                "bin_picking_number": settings.get("bin_picking_number") or None,
            }
        )
    return rows, rejects


# --- orders -----------------------------------------------------------------------------------


def shape_order(raw: Any) -> tuple[dict[str, Any] | None, Rejected | None]:
    """A V2 order without shopper details, dates in UTC and money as Decimal."""
    if _key(raw, "id") is None:
        return None, _reject_keyless(raw, "order", "id", "external_order_id")
    ref = f"order {raw['id']}"
    billing = raw.get("billing_address")
    row = {key: value for key, value in raw.items() if key not in ORDER_DROPPED}
    row["billing_country_iso2"] = (
        billing.get("country_iso2") if isinstance(billing, Mapping) else None
    )
    try:
        for name in ("date_created", "date_modified", "date_shipped"):
            row[name] = parse_rfc2822(raw.get(name), name)
        if row["date_modified"] is None or row["date_created"] is None:
            raise _Unreadable("date_created and date_modified are required")
        row = _v2_numbers(row)
    except _Unreadable as error:
        return None, Rejected(ref, f"{ref}: {error}", raw)
    row["external_order_id"] = (str(raw.get("external_order_id") or "").strip()) or None
    return row, None


def shape_order_product(raw: Any) -> tuple[dict[str, Any] | None, Rejected | None]:
    if _key(raw, "id") is None:
        return None, _reject_keyless(raw, "order product", "id", "sku")
    row = {key: value for key, value in raw.items() if key not in ORDER_PRODUCT_DROPPED}
    try:
        row = _v2_numbers(row)
    except _Unreadable as error:
        return None, Rejected(
            f"order product {raw['id']}", f"order product {raw['id']}: {error}", raw
        )
    return row, None


def shape_shipment(raw: Any) -> tuple[dict[str, Any] | None, Rejected | None]:
    if _key(raw, "id") is None:
        return None, _reject_keyless(raw, "shipment", "id", "tracking_number")
    row = {key: value for key, value in raw.items() if key not in SHIPMENT_DROPPED}
    try:
        row["date_created"] = parse_rfc2822(raw.get("date_created"), "date_created")
        if row["date_created"] is None:
            raise _Unreadable("date_created is required")
        row = _v2_numbers(row)
    except _Unreadable as error:
        return None, Rejected(f"shipment {raw['id']}", f"shipment {raw['id']}: {error}", raw)
    return row, None


def shape_refund(raw: Any) -> tuple[dict[str, Any] | None, Rejected | None]:
    if _key(raw, "id") is None:
        return None, _reject_keyless(raw, "refund", "id", "order_id")
    ref = f"refund {raw['id']}"
    try:
        row = _v3_money(dict(raw))
        row["created"] = parse_iso(raw.get("created"), "created")
        if row["created"] is None:
            raise _Unreadable("created is required")
        if row.get("total_amount") is None:
            raise _Unreadable("total_amount is required")
    except _Unreadable as error:
        return None, Rejected(ref, f"{ref}: {error}", raw)
    return row, None
