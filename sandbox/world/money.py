"""Money arithmetic for the demo world: Decimal, rounded half-up to the cent like an invoice."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def cents(value: Decimal | int | str) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def total(values) -> Decimal:
    return sum((Decimal(v) for v in values), ZERO)
