"""The seller's catalogue: ERP items and stock, Mirakl offers, and the stock-side drift.

The expected Mirakl quantity of an item follows the stock rule of the drift models:
``max(0, floor(Σ over locations (on_hand − committed) × units_per_stock_unit) − safety_stock)``,
reading only the latest stock row per SKU and location.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass, field
from decimal import Decimal

from sandbox.world.money import cents
from sandbox.world.truth import Truth

LOCATIONS = ("PAR-DC", "LYS-DC")
CATEGORIES = (
    ("TENTS", "Tents"),
    ("SLEEP", "Sleeping bags"),
    ("PACKS", "Backpacks"),
    ("COOK", "Camp kitchen"),
    ("LIGHT", "Lighting"),
    ("SNACK", "Trail food"),
)
NOUNS = ("Tent", "Bag", "Pack", "Stove", "Lamp", "Bar", "Mug", "Mat", "Pole", "Filter")
ADJECTIVES = ("Alpine", "Summit", "Trail", "Canyon", "Forest", "Glacier", "Prairie", "Coastal")


@dataclass
class StockRow:
    sku: str
    location: str
    on_hand: Decimal
    committed: Decimal
    as_of: dt.datetime


@dataclass
class Item:
    sku: str
    description: str
    stock_uom: str
    units_per_stock_unit: int
    safety_stock: int
    is_marketplace_listed: bool
    mirakl_shop_sku: str | None
    category: tuple[str, str]
    price: Decimal
    stock: list[StockRow] = field(default_factory=list)

    @property
    def shop_sku(self) -> str:
        return self.mirakl_shop_sku or self.sku

    def latest_stock(self) -> list[StockRow]:
        latest: dict[str, StockRow] = {}
        for row in self.stock:
            if row.location not in latest or row.as_of > latest[row.location].as_of:
                latest[row.location] = row
        return list(latest.values())

    def expected_quantity(self) -> int:
        available = sum((row.on_hand - row.committed for row in self.latest_stock()), Decimal(0))
        return max(0, math.floor(available * self.units_per_stock_unit) - self.safety_stock)


@dataclass
class Offer:
    offer_id: int
    shop_sku: str
    product_sku: str
    title: str
    category: tuple[str, str]
    price: Decimal
    quantity: int
    active: bool


@dataclass
class Catalog:
    items: list[Item]
    offers: list[Offer]

    def sellable_offers(self) -> list[Offer]:
        """Active offers backed by an ERP item: the ones orders are placed on."""
        mapped = {item.shop_sku for item in self.items}
        return [offer for offer in self.offers if offer.active and offer.shop_sku in mapped]

    def item_for_shop_sku(self, shop_sku: str) -> Item:
        return next(item for item in self.items if item.shop_sku == shop_sku)


def build_catalog(
    rng: random.Random,
    *,
    item_count: int,
    as_of: dt.datetime,
    stock_extract_at: dt.datetime,
    truth: Truth,
) -> Catalog:
    items = [_make_item(rng, index) for index in range(1, item_count + 1)]
    for item in items:
        _stock_item(rng, item, stock_extract_at)

    offers: list[Offer] = []
    next_offer_id = iter(range(30_001, 30_001 + 10 * item_count))

    def offer_for(item: Item, *, quantity: int, active: bool = True, shop_sku: str | None = None):
        offer = Offer(
            offer_id=next(next_offer_id),
            shop_sku=shop_sku or item.shop_sku,
            product_sku=f"PRD-{item.sku[-5:]}",
            title=item.description,
            category=item.category,
            price=item.price,
            quantity=quantity,
            active=active,
        )
        offers.append(offer)
        return offer

    listed = [item for item in items if item.is_marketplace_listed]
    unlisted = [item for item in items if not item.is_marketplace_listed]
    rng.shuffle(listed)

    # Drift picks come from the listed items with stock, so every injection is unambiguous.
    stocked = [item for item in listed if item.expected_quantity() > 0]
    n_mismatch = max(2, round(0.05 * len(listed)))
    n_missing = max(1, round(0.02 * len(listed)))
    mismatched = stocked[:n_mismatch]
    missing = stocked[n_mismatch : n_mismatch + n_missing]
    case_mismatch = stocked[n_mismatch + n_missing : n_mismatch + n_missing + 1]
    skip = {id(item) for item in missing + case_mismatch}

    # Look-alike: a listed item with nothing to sell and no offer is not a missing offer.
    drifting = {id(item) for item in mismatched} | skip
    sold_out = next(item for item in listed if id(item) not in drifting)
    for row in sold_out.stock:
        row.committed = row.on_hand
    skip.add(id(sold_out))
    truth.lookalike(
        "listed item with nothing to sell and no offer", "missing_offer", sold_out.shop_sku
    )

    for item in listed:
        if id(item) in skip:
            continue
        expected = item.expected_quantity()
        if item in mismatched:
            # Mostly Mirakl above the ERP: the oversell case that hurts most.
            delta = rng.choice([1, 2, 3, 5, 8, 13, 20, -1, -2, -4])
            quantity = max(0, expected + delta)
            if quantity == expected:
                quantity = expected + 3
            offer_for(item, quantity=quantity)
            truth.add("stock_mismatch", item.shop_sku)
        else:
            offer_for(item, quantity=expected)
            if item.units_per_stock_unit > 1 and expected > 0:
                truth.lookalike("case-pack SKU converted to units", "stock_mismatch", item.shop_sku)
            elif any(row.as_of < stock_extract_at for row in item.stock):
                truth.lookalike(
                    "superseded stock snapshot in the export", "stock_mismatch", item.shop_sku
                )

    for item in missing:
        truth.add("missing_offer", item.shop_sku)

    for item in case_mismatch:
        # Same SKU typed in another case on Mirakl: SKUs match exactly, so both sides drift.
        wrong_sku = item.shop_sku.lower()
        offer_for(item, quantity=item.expected_quantity(), shop_sku=wrong_sku)
        truth.add("unmapped_offer", wrong_sku)
        truth.add("missing_offer", item.shop_sku)

    n_unmapped = max(1, round(0.02 * len(listed)))
    for index in range(n_unmapped):
        ghost = Item(
            sku=f"OLD-{index + 1:04d}",
            description=f"Discontinued {rng.choice(NOUNS).lower()}",
            stock_uom="EA",
            units_per_stock_unit=1,
            safety_stock=0,
            is_marketplace_listed=True,
            mirakl_shop_sku=None,
            category=rng.choice(CATEGORIES),
            price=cents(rng.uniform(5, 80)),
        )
        offer_for(ghost, quantity=rng.randint(1, 30))
        truth.add("unmapped_offer", ghost.shop_sku)

    # Look-alikes that must stay quiet: an inactive unmapped offer, and inactive offers on
    # unlisted items whose quantity no longer matches the ERP.
    retired = Item(
        sku="OLD-RETIRED",
        description="Retired lantern",
        stock_uom="EA",
        units_per_stock_unit=1,
        safety_stock=0,
        is_marketplace_listed=False,
        mirakl_shop_sku=None,
        category=CATEGORIES[4],
        price=Decimal("19.90"),
    )
    offer_for(retired, quantity=7, active=False)
    truth.lookalike("inactive offer with no ERP item", "unmapped_offer", retired.shop_sku)
    for item in unlisted[: max(1, len(unlisted) // 3)]:
        offer_for(item, quantity=item.expected_quantity() + 4, active=False)
        truth.lookalike("inactive offer out of step with the ERP", "stock_mismatch", item.shop_sku)

    return Catalog(items=items, offers=offers)


def _make_item(rng: random.Random, index: int) -> Item:
    category = CATEGORIES[index % len(CATEGORIES)]
    sku = f"NW-{category[0][:3]}-{index:05d}"
    is_case = rng.random() < 0.2
    units = rng.choice([6, 12, 24]) if is_case else 1
    # Some sellers list under a marketplace-specific SKU; most reuse the ERP SKU.
    mirakl_sku = f"MK-{sku}" if rng.random() < 0.1 else None
    unit_price = cents(rng.uniform(2.5, 12.0)) if is_case else cents(rng.uniform(9.9, 249.0))
    return Item(
        sku=sku,
        description=f"{rng.choice(ADJECTIVES)} {rng.choice(NOUNS)} {index}",
        stock_uom="CS" if is_case else "EA",
        units_per_stock_unit=units,
        safety_stock=rng.choice([0, 0, 0, 2, 5]),
        is_marketplace_listed=rng.random() < 0.85,
        mirakl_shop_sku=mirakl_sku,
        category=category,
        price=unit_price,
    )


def _stock_item(rng: random.Random, item: Item, extract_at: dt.datetime) -> None:
    locations = LOCATIONS if rng.random() < 0.6 else (rng.choice(LOCATIONS),)
    for location in locations:
        if item.units_per_stock_unit > 1:
            on_hand = Decimal(rng.randint(0, 40)) / 2  # half cases are real: an opened case
            committed = Decimal(rng.choice([0, 0, 1, 2])) / 2
        else:
            on_hand = Decimal(rng.randint(0, 120))
            committed = Decimal(rng.randint(0, 6))
        if rng.random() < 0.03:
            committed = on_hand + 2  # oversold at this location: availability goes negative
        item.stock.append(StockRow(item.sku, location, on_hand, committed, extract_at))
        if rng.random() < 0.15:
            # An older snapshot still in the export: the latest as_of must win.
            older = StockRow(
                item.sku,
                location,
                on_hand + rng.randint(3, 30),
                committed,
                extract_at - dt.timedelta(days=1, minutes=rng.randint(0, 600)),
            )
            item.stock.append(older)
