"""An operator's world: a Mirakl marketplace's third-party offers and its BigCommerce storefront.

The retailer runs the marketplace. Mirakl masters the sellers' offers (quantity, price, whether
they are active); an integration copies each offer's quantity to a BigCommerce variant whose
SKU is ``MIRAKL-<offer_id>``, stocked at the storefront's locations. Drift is an offer whose
quantity has not reached its variant. The generator injects, at known offers:

- ``storefront_stock_mismatch``: the variant shows a stale quantity (above or below Mirakl's);
  an offer deactivated, or deleted, on Mirakl while its variant still has stock to sell;
- ``storefront_variant_missing``: an active offer with stock that has no variant at all;

next to look-alikes that must stay quiet: an offer split over two warehouses and two
locations that add up, a variant with a safety stock whose on-hand matches, an inactive or
deleted offer whose variant is at zero, an active offer at zero with no variant, and the
storefront's own (first-party) products, which no offer backs.

Layout of the world directory:

- ``operator.json``: seed, as_of, currency, the storefront's store hash;
- ``mirakl/offers.json``: every offer as an OF54 export item, deleted ones included (with
  ``deleted: true``); the Mirakl operator sandbox serves them through OF52/OF53/OF54;
- ``bigcommerce/storefront.json``: locations, products and their variants' stock per location;
- ``truth.csv`` and ``lookalikes.csv``, as in a seller world.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from sandbox import jsonio
from sandbox.world.money import cents

VARIANT_SKU_PREFIX = "MIRAKL-"
EXCEPTION_TYPES = ("storefront_stock_mismatch", "storefront_variant_missing")
SHOPS = ((2101, "Alpine Outfitters"), (2102, "Coastal Gear"), (2103, "Summit Supply"))
LOCATIONS = ("MKP-EAST", "MKP-WEST")
FIRST_OFFER_ID = 40_001


@dataclass(frozen=True)
class OperatorLayout:
    root: Path

    @property
    def manifest_path(self) -> Path:
        return self.root / "operator.json"

    @property
    def offers_path(self) -> Path:
        return self.root / "mirakl" / "offers.json"

    @property
    def storefront_path(self) -> Path:
        return self.root / "bigcommerce" / "storefront.json"

    @property
    def truth_path(self) -> Path:
        return self.root / "truth.csv"

    @property
    def lookalikes_path(self) -> Path:
        return self.root / "lookalikes.csv"

    def manifest(self) -> dict[str, Any]:
        manifest = jsonio.read(self.manifest_path)
        manifest["as_of"] = jsonio.parse_timestamp(manifest["as_of"])
        return manifest

    def offers(self) -> list[dict[str, Any]]:
        return jsonio.read(self.offers_path)

    def storefront(self) -> dict[str, Any]:
        return jsonio.read(self.storefront_path)


def generate_operator_world(
    root: Path, *, seed: int = 7, offer_count: int = 60, as_of: dt.datetime
) -> OperatorLayout:
    """Write an operator world under `root`; deterministic for a seed, a count and an as_of."""
    if offer_count < 20:
        raise ValueError("an operator world needs at least 20 offers to place every case")
    rng = random.Random(f"{seed}:operator")
    layout = OperatorLayout(Path(root))
    as_of = as_of.astimezone(dt.UTC)
    offers = [_offer(rng, FIRST_OFFER_ID + index, as_of) for index in range(offer_count)]
    truth: set[tuple[str, str]] = set()
    lookalikes: list[tuple[str, str, str]] = []
    # What the storefront shows per offer: None = no variant; else quantity per location.
    shown: dict[int, dict[str, Any] | None] = {}

    order = list(range(offer_count))
    rng.shuffle(order)
    picks = iter(order)

    def take(predicate=lambda offer: True) -> dict[str, Any]:
        for index in picks:
            if predicate(offers[index]):
                return offers[index]
        raise ValueError("the world ran out of offers for its cases")

    stocked = lambda offer: offer["quantity"] >= 5  # noqa: E731

    # Injected drift.
    for delta in (7, 2, -3, 12):
        offer = take(stocked)
        shown[offer["offer_id"]] = _split(offer["quantity"] + delta, rng)
        truth.add(("storefront_stock_mismatch", str(offer["offer_id"])))
    for _ in range(2):
        offer = take(stocked)
        offer["active"] = False
        offer["last_updated"] = as_of - dt.timedelta(hours=rng.randint(2, 30))
        shown[offer["offer_id"]] = _split(offer["quantity"], rng)
        truth.add(("storefront_stock_mismatch", str(offer["offer_id"])))
    for _ in range(2):
        offer = take(stocked)
        _delete(offer, as_of - dt.timedelta(hours=rng.randint(2, 30)))
        shown[offer["offer_id"]] = _split(rng.randint(3, 9), rng)
        truth.add(("storefront_stock_mismatch", str(offer["offer_id"])))
    for _ in range(3):
        offer = take(stocked)
        shown[offer["offer_id"]] = None
        truth.add(("storefront_variant_missing", str(offer["offer_id"])))

    # Look-alikes that must stay quiet.
    offer = take(lambda o: o["quantity"] >= 10)
    first = offer["quantity"] // 3
    offer["warehouses"] = [
        {"code": "WH-1", "quantity": first},
        {"code": "WH-2", "quantity": offer["quantity"] - first},
    ]
    shown[offer["offer_id"]] = {LOCATIONS[0]: first, LOCATIONS[1]: offer["quantity"] - first}
    lookalikes.append(
        ("offer split over two warehouses", "storefront_stock_mismatch", str(offer["offer_id"]))
    )
    offer = take(stocked)
    shown[offer["offer_id"]] = {LOCATIONS[0]: offer["quantity"], "safety_stock": 2}
    lookalikes.append(
        ("variant holding a safety stock", "storefront_stock_mismatch", str(offer["offer_id"]))
    )
    offer = take()
    offer["active"] = False
    shown[offer["offer_id"]] = {LOCATIONS[0]: 0}
    lookalikes.append(
        ("inactive offer, variant at zero", "storefront_stock_mismatch", str(offer["offer_id"]))
    )
    offer = take()
    _delete(offer, as_of - dt.timedelta(days=3))
    shown[offer["offer_id"]] = {LOCATIONS[0]: 0}
    lookalikes.append(
        ("deleted offer, variant at zero", "storefront_stock_mismatch", str(offer["offer_id"]))
    )
    offer = take()
    offer["quantity"] = 0
    shown[offer["offer_id"]] = None
    lookalikes.append(
        ("sold-out offer without a variant", "storefront_variant_missing", str(offer["offer_id"]))
    )

    # Every other offer reached its variant.
    for offer in offers:
        if offer["offer_id"] not in shown:
            shown[offer["offer_id"]] = _split(offer["quantity"], rng)

    storefront = _storefront(rng, offers, shown, as_of)
    layout.root.mkdir(parents=True, exist_ok=True)
    jsonio.write(
        layout.manifest_path,
        {"seed": seed, "as_of": as_of, "currency": "EUR", "store_hash": "operator1"},
    )
    jsonio.write(layout.offers_path, offers)
    jsonio.write(layout.storefront_path, storefront)
    _write_csv(layout.truth_path, ("exception_type", "entity_id"), sorted(truth))
    _write_csv(
        layout.lookalikes_path, ("description", "exception_type", "entity_id"), sorted(lookalikes)
    )
    return layout


def _offer(rng: random.Random, offer_id: int, as_of: dt.datetime) -> dict[str, Any]:
    shop_id, shop_name = rng.choice(SHOPS)
    price = cents(Decimal(str(rng.uniform(8, 180))))
    created = as_of - dt.timedelta(days=rng.randint(20, 200), minutes=rng.randint(0, 1440))
    return {
        "offer_id": offer_id,
        "shop_id": shop_id,
        "shop_name": shop_name,
        "shop_sku": f"S{shop_id}-{offer_id % 1000:04d}",
        "product_sku": f"MKP{100000 + rng.randint(0, 99999)}",
        "quantity": rng.randint(0, 60),
        "prices": [
            {
                "origin_price": price,
                "discount_price": None,
                "discount_start_date": None,
                "discount_end_date": None,
                "volume_prices": [{"quantity_threshold": 1, "unit_origin_price": price}],
            }
        ],
        "currency_iso_code": "EUR",
        "active": True,
        "deleted": False,
        "state_code": "11",
        "leadtime_to_ship": rng.choice([1, 2, 3]),
        "channels": [],
        "logistic_class": {"code": "M"},
        "warehouses": [],
        "date_created": created,
        "last_updated": created + dt.timedelta(days=rng.randint(0, 15)),
    }


def _delete(offer: dict[str, Any], at: dt.datetime) -> None:
    offer["deleted"] = True
    offer["active"] = False
    offer["last_updated"] = at


def _split(quantity: int, rng: random.Random) -> dict[str, int]:
    if quantity > 4 and rng.random() < 0.3:
        first = rng.randint(1, quantity - 1)
        return {LOCATIONS[0]: first, LOCATIONS[1]: quantity - first}
    return {rng.choice(LOCATIONS): quantity}


def _storefront(
    rng: random.Random,
    offers: list[dict[str, Any]],
    shown: dict[int, dict[str, Any] | None],
    as_of: dt.datetime,
) -> dict[str, Any]:
    products = []
    for offer in offers:
        stock = shown[offer["offer_id"]]
        if stock is None:
            continue
        stock = dict(stock)
        safety = stock.pop("safety_stock", 0)
        products.append(
            {
                "name": f"{offer['product_sku']} from {offer['shop_name']}",
                "sku": f"{VARIANT_SKU_PREFIX}{offer['offer_id']}",
                "price": offer["prices"][0]["origin_price"],
                "date_modified": as_of - dt.timedelta(minutes=rng.randint(5, 600)),
                "stock": [
                    {"location": code, "onhand": quantity, "safety_stock": safety}
                    for code, quantity in sorted(stock.items())
                ],
            }
        )
    # The retailer's own products sell on the storefront too; no offer is behind them.
    for index in range(1, 4):
        products.append(
            {
                "name": f"House brand item {index}",
                "sku": f"HOUSE-{index:03d}",
                "price": Decimal("19.90"),
                "date_modified": as_of - dt.timedelta(days=index),
                "stock": [{"location": LOCATIONS[0], "onhand": 10 * index, "safety_stock": 0}],
            }
        )
    return {"locations": list(LOCATIONS), "products": products}


def _write_csv(path: Path, header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def read_operator_truth(path: Path) -> set[tuple[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return {(row["exception_type"], row["entity_id"]) for row in csv.DictReader(handle)}
