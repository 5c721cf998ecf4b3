"""The item master in Magento product custom attributes: which codes, and how values read.

Magento has no case size, safety stock, marketplace flag or Mirakl SKU of its own, so a
retailer keeps them in product attributes (Stores > Attributes > Product). This source reads
five, by code; the codes are configurable under ``[sources.magento.attributes]``:

- ``mirakl_shop_sku`` from ``mirakl_shop_sku``: the offer SKU on Mirakl (text). Absent: the
  staging uses the product SKU.
- ``is_marketplace_listed`` from ``mirakl_listed``: Yes/No (``1``/``0``, true/false,
  yes/no). Absent: false.
- ``units_per_stock_unit`` from ``mirakl_case_size``: sellable units in one Magento unit, a
  whole number ≥ 1. Absent: 1.
- ``safety_stock`` from ``mirakl_safety_stock``: sellable units held back, a number ≥ 0.
  Absent: 0.
- ``stock_uom`` from ``mirakl_stock_uom``: the stock unit's name (EA, CS...). Absent: null.

Magento's stock quantities are in the product's own unit: a product that is a case of 12 has
``mirakl_case_size`` 12 and its source items count cases.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from decimal import Decimal, InvalidOperation
from typing import Any

DEFAULT_ATTRIBUTE_CODES: dict[str, str] = {
    "mirakl_shop_sku": "mirakl_shop_sku",
    "is_marketplace_listed": "mirakl_listed",
    "units_per_stock_unit": "mirakl_case_size",
    "safety_stock": "mirakl_safety_stock",
    "stock_uom": "mirakl_stock_uom",
}

_TRUE = {"1", "true", "yes", "y"}
_FALSE = {"0", "false", "no", "n", ""}


class AttributeValueError(ValueError):
    """An attribute value that does not read; the message names the code and the value."""


@dataclass(frozen=True)
class AttributeConvention:
    """Attribute codes per landed column (see the module docstring)."""

    mirakl_shop_sku: str = DEFAULT_ATTRIBUTE_CODES["mirakl_shop_sku"]
    is_marketplace_listed: str = DEFAULT_ATTRIBUTE_CODES["is_marketplace_listed"]
    units_per_stock_unit: str = DEFAULT_ATTRIBUTE_CODES["units_per_stock_unit"]
    safety_stock: str = DEFAULT_ATTRIBUTE_CODES["safety_stock"]
    stock_uom: str = DEFAULT_ATTRIBUTE_CODES["stock_uom"]

    @classmethod
    def from_config(cls, codes: Mapping[str, str] | None) -> AttributeConvention:
        """The defaults, overridden by `codes` (column name -> attribute code)."""
        known = {item.name for item in fields(cls)}
        given = dict(codes or {})
        unknown = sorted(set(given) - known)
        if unknown:
            raise ValueError(
                f"[sources.magento.attributes] has unknown key(s) {', '.join(unknown)}; "
                f"known: {', '.join(sorted(known))}"
            )
        for column, code in given.items():
            if not isinstance(code, str) or not code.strip():
                raise ValueError(
                    f"[sources.magento.attributes] {column} must name an attribute code, "
                    f"got {code!r}"
                )
        return cls(**{column: code.strip() for column, code in given.items()})

    def read(self, custom_attributes: Mapping[str, Any]) -> dict[str, Any]:
        """The five columns from a product's attributes (code -> value); raises on bad values."""
        return {
            "mirakl_shop_sku": _text(custom_attributes.get(self.mirakl_shop_sku)),
            "is_marketplace_listed": _flag(
                self.is_marketplace_listed, custom_attributes.get(self.is_marketplace_listed)
            ),
            "units_per_stock_unit": _case_size(
                self.units_per_stock_unit, custom_attributes.get(self.units_per_stock_unit)
            ),
            "safety_stock": _safety_stock(
                self.safety_stock, custom_attributes.get(self.safety_stock)
            ),
            "stock_uom": _text(custom_attributes.get(self.stock_uom)),
        }


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _flag(code: str, value: Any) -> bool:
    if value is None or isinstance(value, bool):
        return bool(value)
    word = str(value).strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise AttributeValueError(f"custom attribute {code} {value!r} is not Yes/No (1/0)")


def _number(code: str, value: Any, what: str) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise AttributeValueError(f"custom attribute {code} {value!r} is not {what}") from None
    if not number.is_finite():
        raise AttributeValueError(f"custom attribute {code} {value!r} is not {what}")
    return number


def _case_size(code: str, value: Any) -> int:
    if value is None or str(value).strip() == "":
        return 1
    number = _number(code, value, "a whole number of units")
    if number != number.to_integral_value() or number < 1:
        raise AttributeValueError(f"custom attribute {code} {value!r} is not a whole number ≥ 1")
    return int(number)


def _safety_stock(code: str, value: Any) -> Decimal:
    if value is None or str(value).strip() == "":
        return Decimal(0)
    number = _number(code, value, "a number")
    if number < 0:
        raise AttributeValueError(f"custom attribute {code} {value!r} is negative")
    return number
