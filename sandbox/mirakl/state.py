"""The in-memory state of one Mirakl shop: its collections as the API serves them, and imports."""

from __future__ import annotations

import copy
import datetime as dt
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sandbox.world.layout import MIRAKL_COLLECTIONS, WorldLayout

Item = dict[str, Any]


class WorldDataError(ValueError):
    """The world data cannot be served as Mirakl would serve it."""


@dataclass
class StockImport:
    """An STO01 upload, completed on the configured STO02 poll."""

    import_id: str
    date_created: str
    # (file line number, offer-sku, quantity text, warehouse-code, update-delete) per data row.
    rows: list[tuple[int, str, str, str, str]]
    header_error: str | None = None
    polls: int = 0
    status: str = "WAITING"
    lines_in_success: int = 0
    lines_in_error: int = 0
    # (file line number, reason, original row) per rejected row.
    errors: list[tuple[int, str, list[str]]] = field(default_factory=list)


@dataclass
class MiraklState:
    """One shop's data. Handlers hold `lock` while they read or change anything here."""

    shop_id: int
    as_of: dt.datetime
    orders: dict[str, Item]
    offers: dict[str, Item]
    carriers: list[Item]
    transaction_logs: list[Item]
    billing_cycles: list[Item]
    invoices: list[Item]
    reasons: list[Item]
    stock_imports: dict[str, StockImport] = field(default_factory=dict)
    # OF24 import id by request body, for Mirakl's duplicate-request detection.
    offer_imports: dict[bytes, int] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    _sequence: int = 0

    @classmethod
    def from_collections(
        cls,
        collections: Mapping[str, list[Item]],
        *,
        shop_id: int,
        as_of: dt.datetime,
        copy_items: bool = True,
    ) -> MiraklState:
        """A state over `collections`; they are copied first unless the caller hands them over."""
        unknown = set(collections) - set(MIRAKL_COLLECTIONS)
        if unknown:
            raise WorldDataError(f"unknown Mirakl collections: {', '.join(sorted(unknown))}")
        if as_of.tzinfo is None:
            raise WorldDataError("as_of must carry a time zone")
        take = copy.deepcopy if copy_items else list
        data = {name: take(list(collections.get(name, []))) for name in MIRAKL_COLLECTIONS}
        return cls(
            shop_id=shop_id,
            as_of=as_of,
            orders=_index(data["orders"], "order_id", "orders"),
            offers=_index(data["offers"], "shop_sku", "offers"),
            carriers=data["carriers"],
            transaction_logs=[_signed_amount(line) for line in data["transaction_logs"]],
            billing_cycles=data["billing_cycles"],
            invoices=data["invoices"],
            reasons=data["reasons"],
        )

    @classmethod
    def from_world(cls, root: WorldLayout) -> MiraklState:
        manifest = root.read_manifest()
        collections = {name: root.read_mirakl(name) for name in MIRAKL_COLLECTIONS}
        # Freshly read from disk: nobody else holds these items, so no copy is needed.
        return cls.from_collections(
            collections, shop_id=manifest.shop_id, as_of=manifest.as_of, copy_items=False
        )

    def next_sequence(self) -> int:
        """A counter for ids the sandbox hands out (refunds, imports)."""
        self._sequence += 1
        return self._sequence

    def order_line(self, order_line_id: str) -> tuple[Item, Item] | None:
        for order in self.orders.values():
            for line in order.get("order_lines") or []:
                if line.get("order_line_id") == order_line_id:
                    return order, line
        return None


def _index(items: list[Item], key: str, collection: str) -> dict[str, Item]:
    indexed: dict[str, Item] = {}
    for item in items:
        value = item.get(key)
        if value is None:
            raise WorldDataError(f"an item of mirakl/{collection} has no {key}")
        if str(value) in indexed:
            raise WorldDataError(f"mirakl/{collection} holds {key} {value!r} twice")
        indexed[str(value)] = item
    return indexed


def _signed_amount(line: Item) -> Item:
    """Apply the project's TL02 sign convention: amount = amount_credited - amount_debited.

    Mirakl does not document the sign of `amount`; the sandbox always emits all three fields,
    consistently, and refuses world data that contradicts the convention.
    """
    credited, debited, amount = (
        line.get("amount_credited"),
        line.get("amount_debited"),
        line.get("amount"),
    )
    if credited is None and debited is None:
        if amount is None:
            return line
        signed = Decimal(str(amount))
        line["amount_credited"] = max(signed, Decimal(0))
        line["amount_debited"] = max(-signed, Decimal(0))
        return line
    expected = Decimal(str(credited or 0)) - Decimal(str(debited or 0))
    if amount is not None and Decimal(str(amount)) != expected:
        raise WorldDataError(
            f"transaction line {line.get('id')!r}: amount {amount} is not "
            f"amount_credited - amount_debited = {expected}"
        )
    line["amount"] = expected
    line.setdefault("amount_credited", Decimal(0))
    line.setdefault("amount_debited", Decimal(0))
    if line["amount_credited"] is None:
        line["amount_credited"] = Decimal(0)
    if line["amount_debited"] is None:
        line["amount_debited"] = Decimal(0)
    return line
