"""The three benchmark sizes: how many SKUs, order lines and transaction lines a world holds."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Size:
    name: str
    skus: int
    order_lines: int
    transaction_lines: int
    description: str


SIZES: dict[str, Size] = {
    "S": Size("S", 10_000, 100_000, 20_000, "10 k SKUs, 100 k order lines"),
    "M": Size("M", 100_000, 1_000_000, 200_000, "100 k SKUs, 1 M order lines"),
    "L": Size(
        "L", 1_000_000, 10_000_000, 2_000_000, "1 M offers, 10 M order lines, 2 M transaction lines"
    ),
}
