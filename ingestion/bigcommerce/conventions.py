"""Where the item attributes BigCommerce has no field for are read from: a documented,
configurable convention.

The drift rules need four things of each item besides its SKU: the SKU it sells under on Mirakl,
whether it is meant to be listed there, how many sellable units one counted stock unit holds
(the case size), and the stock unit's name. Each is read from a *field reference*:

- ``custom_field:<name>``: the product's custom field of that name (applies to all its
  variants); a bare ``<name>`` means the same;
- ``variant:<attribute>``: an attribute of the variant, e.g. ``variant:mpn``;
- ``product:<attribute>``: an attribute of the product, e.g. ``product:upc``.

An attribute that is absent or empty takes its default: the variant SKU as shop SKU, not listed
(unless ``listed_default`` is true), one unit per stock unit, no unit name. A value that cannot
be read (a case size of ``dozen``, a listing flag of ``maybe``) sends the variant to quarantine.
BigCommerce's own safety stock (per location, in the inventory settings) is used as is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

KINDS = ("custom_field", "variant", "product")
TRUE = {"true", "1", "yes", "y"}
FALSE = {"false", "0", "no", "n"}


class ConventionError(ValueError):
    """A variant's attribute cannot be read as the convention says."""


@dataclass(frozen=True)
class FieldRef:
    kind: str
    name: str

    @classmethod
    def parse(cls, text: str) -> FieldRef:
        kind, sep, name = (text or "").strip().partition(":")
        if not sep:
            kind, name = "custom_field", kind
        if kind not in KINDS or not name.strip():
            raise ValueError(
                f"field reference {text!r} is not custom_field:<name>, variant:<attribute> "
                "or product:<attribute>"
            )
        return cls(kind, name.strip())

    def read(self, product: Mapping[str, Any], variant: Mapping[str, Any]) -> str | None:
        if self.kind == "custom_field":
            value = next(
                (
                    field.get("value")
                    for field in product.get("custom_fields") or []
                    if isinstance(field, Mapping) and field.get("name") == self.name
                ),
                None,
            )
        else:
            value = (variant if self.kind == "variant" else product).get(self.name)
        text = "" if value is None else str(value).strip()
        return text or None

    def __str__(self) -> str:
        return f"{self.kind}:{self.name}"


@dataclass(frozen=True)
class ItemConvention:
    shop_sku: FieldRef
    listed: FieldRef
    units_per_stock_unit: FieldRef
    stock_uom: FieldRef
    listed_default: bool = False

    @classmethod
    def from_settings(
        cls,
        shop_sku: str,
        listed: str,
        units_per_stock_unit: str,
        stock_uom: str,
        listed_default: bool,
    ) -> ItemConvention:
        return cls(
            FieldRef.parse(shop_sku),
            FieldRef.parse(listed),
            FieldRef.parse(units_per_stock_unit),
            FieldRef.parse(stock_uom),
            listed_default,
        )

    def resolve(self, product: Mapping[str, Any], variant: Mapping[str, Any]) -> dict[str, Any]:
        listed = self.listed.read(product, variant)
        if listed is None:
            is_listed = self.listed_default
        elif listed.lower() in TRUE:
            is_listed = True
        elif listed.lower() in FALSE:
            is_listed = False
        else:
            raise ConventionError(f"{self.listed} is {listed!r}, not true or false")
        units_text = self.units_per_stock_unit.read(product, variant)
        units = 1
        if units_text is not None:
            if not units_text.isdigit() or int(units_text) < 1:
                raise ConventionError(
                    f"{self.units_per_stock_unit} is {units_text!r}, not a whole number >= 1"
                )
            units = int(units_text)
        return {
            "shop_sku": self.shop_sku.read(product, variant) or variant.get("sku"),
            "is_marketplace_listed": is_listed,
            "units_per_stock_unit": units,
            "stock_uom": self.stock_uom.read(product, variant),
        }
