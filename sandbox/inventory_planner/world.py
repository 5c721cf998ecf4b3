"""What Inventory Planner sees of a demo world: variants, purchase orders and planning drift.

Inventory Planner is fed by the seller's ERP and sales channels, so its view is derived from
the world rather than generated beside it:

- stock: each variant's ``in_stock`` (and its ``warehouse[]`` split) is the stock free to sell
  the ERP's latest count per location gives, on-hand − committed, in sellable units (a case of
  12 counts as 12). A planning tool syncs its connected system's available stock, net of open
  orders; that is also the one figure every ERP states alike (BigCommerce takes an order out of
  on-hand when it is placed, Magento reserves it, a file export commits it beside a physical
  count), so the same world served through any ERP carries the same planning drift. Where
  orders exceed a location's stock, its warehouse shows negative stock;
- velocity: the forecast's daily velocity comes from the world's Mirakl order history over the
  30 days before ``as_of``, plus the seller's other channels, which only the planning tool sees;
- drift: a few variants show stock that differs from the ERP's on purpose (the truth of
  ``planning_stock_drift``), beside look-alikes a careless rule would flag.

One SKU is a designed case for oversell ranking: over-listed on Mirakl, slow there, but a
bestseller on the other channels, so that its forecast velocity lifts it to the top of the
stock mismatches once the planning tool is landed.

Everything is deterministic for a world: the random draws are seeded with the world's seed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import random
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from pathlib import Path
from typing import Any

from recon.timestamps import parse_utc
from sandbox.world.erp_records import ErpRecords, read_erp_records
from sandbox.world.layout import WorldLayout
from sandbox.world.truth import read_truth

PLANNING_EXCEPTION_TYPE = "planning_stock_drift"
# Mirakl order lines that never became sales.
NOT_SOLD = ("REFUSED", "CANCELED")
VELOCITY_DAYS = 30
# The dbt rule ranks stock mismatches with Mirakl's own 28-day velocity when no planning tool
# is landed; the designed bestseller is picked to rank last by that measure.
MIRAKL_VELOCITY_DAYS = 28
REVIEW_PERIOD_DAYS = 30
LEAD_TIMES = (7, 14, 21, 30)
# Units a month the other channels sell, drawn per SKU.
OTHER_CHANNEL_UNITS = (0, 0, 0, 1, 2, 3, 5, 8)
DRIFT_DELTAS = (-12, -5, -2, -1, 1, 3, 8, 20)
# The planning tool takes the ERP's stock a little after the ERP counted it.
SYNC_LAG = dt.timedelta(minutes=20)
VENDORS = {
    "TEN": "Alpine Shelter Supply",
    "SLE": "Dreamline Outdoor",
    "PAC": "Carryall Works",
    "COO": "Campfire Kitchenware",
    "LIG": "Lumen Trail Ltd",
    "SNA": "Trailfood Partners",
}
CENT = Decimal("0.01")
VELOCITY_STEP = Decimal("0.0001")


@dataclass(frozen=True)
class PlanningView:
    """Inventory Planner's data for one world, and the planning drift it carries."""

    as_of: dt.datetime
    currency: str
    variants: list[dict[str, Any]]
    purchase_orders: list[dict[str, Any]]
    # ERP SKUs whose planning-tool stock differs from the ERP's on purpose.
    drifts: tuple[str, ...]
    # (description, entity_id) of clean cases that must not raise planning_stock_drift.
    lookalikes: tuple[tuple[str, str], ...]
    # ERP SKU over-listed on Mirakl that sells fastest once every channel is counted.
    bestseller: str | None

    def truth_rows(self) -> list[tuple[str, str]]:
        return sorted((PLANNING_EXCEPTION_TYPE, sku) for sku in self.drifts)

    def lookalike_rows(self) -> list[tuple[str, str, str]]:
        return sorted(
            (description, PLANNING_EXCEPTION_TYPE, entity)
            for description, entity in self.lookalikes
        )

    def variant_for(self, sku: str) -> dict[str, Any]:
        """The live (not removed) variant of an ERP SKU."""
        return next(v for v in self.variants if v["sku"] == sku and not v["removed"])


@dataclass
class _Item:
    sku: str
    shop_sku: str
    description: str
    units_per_stock_unit: int
    safety_stock: Decimal
    # Latest count per location: (on_hand, committed) in stock units.
    stock: dict[str, tuple[Decimal, Decimal]]
    counted_at: dt.datetime | None
    # Older snapshots whose on-hand differs from the latest one at the same location.
    superseded: bool

    @property
    def units_by_location(self) -> dict[str, int]:
        """Stock free to sell per location (on-hand − committed), in sellable units."""
        return {
            location: _whole((on_hand - committed) * self.units_per_stock_unit)
            for location, (on_hand, committed) in sorted(self.stock.items())
        }

    def expected_quantity(self) -> int:
        """The ERP's available-to-sell in sellable units, as the drift models compute it."""
        available = sum(
            (on_hand - committed for on_hand, committed in self.stock.values()), Decimal(0)
        )
        return max(0, math.floor(available * self.units_per_stock_unit) - int(self.safety_stock))


def planning_view(world_dir: Path) -> PlanningView:
    """Inventory Planner's view of the world in `world_dir` (deterministic for the world)."""
    layout = WorldLayout(Path(world_dir))
    manifest = layout.read_manifest()
    as_of = manifest.as_of
    rng = random.Random(f"{manifest.seed}:inventory_planner")
    items = _items(read_erp_records(layout.root), as_of)
    offers = {offer["shop_sku"]: offer for offer in layout.read_mirakl("offers") if offer["active"]}
    orders = layout.read_mirakl("orders")
    mirakl_30d = _units_sold(orders, as_of, VELOCITY_DAYS)
    mirakl_28d = _units_sold(orders, as_of, MIRAKL_VELOCITY_DAYS)

    # Velocity per ERP SKU across every channel, in units a day.
    velocity: dict[str, Decimal] = {}
    sold_30d: dict[str, int] = {}
    for item in items:
        units = mirakl_30d.get(item.shop_sku, 0) + rng.choice(OTHER_CHANNEL_UNITS)
        sold_30d[item.sku] = units
        velocity[item.sku] = (Decimal(units) / VELOCITY_DAYS).quantize(VELOCITY_STEP)

    bestseller = _pick_bestseller(items, offers, read_truth(layout.truth_path), mirakl_28d)
    if bestseller is not None:
        velocity[bestseller.sku] = _bestseller_velocity(bestseller, items, offers, velocity)
        sold_30d[bestseller.sku] = int(velocity[bestseller.sku] * VELOCITY_DAYS)

    # Stock as the planning tool shows it, per ERP SKU and location; drifts change it below.
    in_stock = {item.sku: item.units_by_location for item in items}
    lookalikes: list[tuple[str, str]] = []
    reserved = {bestseller.sku} if bestseller else set()

    candidates = [item for item in items if item.sku not in reserved]
    rng.shuffle(candidates)
    untracked = candidates.pop()
    lookalikes.append(("ERP item the planning tool does not track", untracked.sku))
    removed_twin = candidates.pop()
    lookalikes.append(("removed duplicate variant with stale stock", removed_twin.sku))
    moved = next(
        (item for item in candidates if sum(1 for u in in_stock[item.sku].values() if u >= 2) >= 2),
        None,
    )
    if moved is not None:
        candidates.remove(moved)
        source, target = list(in_stock[moved.sku])[:2]
        shift = min(3, in_stock[moved.sku][source] - 1)
        in_stock[moved.sku][source] -= shift
        in_stock[moved.sku][target] += shift
        lookalikes.append(("stock moved between warehouses, total unchanged", moved.sku))

    drifts = _inject_drifts(rng, candidates, in_stock, count=max(3, round(0.05 * len(items))))
    for item in candidates:
        if item.sku in drifts:
            continue
        if item.units_per_stock_unit > 1 and sum(in_stock[item.sku].values()) > 0:
            lookalikes.append(("case-pack SKU counted in sellable units", item.sku))
        elif item.superseded:
            lookalikes.append(("superseded ERP snapshot the planning tool moved past", item.sku))

    variants: list[dict[str, Any]] = []
    for index, item in enumerate(items, start=1):
        if item.sku == untracked.sku:
            continue
        lead_time = LEAD_TIMES[_stable(item.sku) % len(LEAD_TIMES)]
        variants.append(
            _variant(
                variant_id=str(4_100_000 + index),
                item=item,
                offer=offers.get(item.shop_sku),
                warehouses=in_stock[item.sku],
                velocity=velocity[item.sku],
                sold_30d=sold_30d[item.sku],
                lead_time=lead_time,
                as_of=as_of,
            )
        )
    purchase_orders = _purchase_orders(rng, variants, as_of, manifest.currency)
    twin = next(v for v in variants if v["sku"] == removed_twin.sku)
    stale = {key: units + 9 for key, units in in_stock[removed_twin.sku].items()} or {"PAR-DC": 9}
    variants.append(
        {
            **twin,
            "id": str(4_900_000 + len(variants)),
            "removed": True,
            "in_stock": sum(stale.values()),
            "warehouse": _warehouse_entries(stale),
            "updated_at": _ip_time(as_of - dt.timedelta(days=90)),
        }
    )
    kit = _bundle(as_of)
    variants.append(kit)
    lookalikes.append(("planning-only bundle with no ERP item", kit["sku"]))
    return PlanningView(
        as_of=as_of,
        currency=manifest.currency,
        variants=sorted(variants, key=lambda v: v["id"]),
        purchase_orders=purchase_orders,
        drifts=tuple(sorted(drifts)),
        lookalikes=tuple(sorted(lookalikes)),
        bestseller=bestseller.sku if bestseller else None,
    )


# --- the ERP side ------------------------------------------------------------------------------


def _items(records: ErpRecords, as_of: dt.datetime) -> list[_Item]:
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    history: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for row in records.stock_levels:
        if row["as_of"] > as_of:
            continue
        key = (row["sku"], row["location"])
        history[key].append(row)
        if key not in latest or row["as_of"] > latest[key]["as_of"]:
            latest[key] = row
    items = []
    for record in sorted(records.items, key=lambda row: row["sku"]):
        sku = record["sku"]
        rows = {loc: row for (s, loc), row in latest.items() if s == sku}
        superseded = any(
            older["on_hand"] != rows[loc]["on_hand"]
            for (s, loc), olders in history.items()
            if s == sku
            for older in olders
        )
        items.append(
            _Item(
                sku=sku,
                shop_sku=record["mirakl_shop_sku"] or sku,
                description=record["description"],
                units_per_stock_unit=record["units_per_stock_unit"],
                safety_stock=record["safety_stock"] or Decimal(0),
                stock={loc: (row["on_hand"], row["committed"]) for loc, row in rows.items()},
                counted_at=max((row["as_of"] for row in rows.values()), default=None),
                superseded=superseded,
            )
        )
    return items


def _units_sold(orders: list[dict[str, Any]], as_of: dt.datetime, days: int) -> dict[str, int]:
    since = as_of - dt.timedelta(days=days)
    sold: dict[str, int] = defaultdict(int)
    for order in orders:
        for line in order.get("order_lines", []):
            created = parse_utc(line["created_date"])
            if line["order_line_state"] in NOT_SOLD or not since < created <= as_of:
                continue
            sold[line["offer_sku"]] += int(line["quantity"])
    return dict(sold)


# --- the designed cases ------------------------------------------------------------------------


def _oversell_units(item: _Item, offers: dict[str, dict[str, Any]]) -> int:
    offer = offers.get(item.shop_sku)
    return max(0, int(offer["quantity"]) - item.expected_quantity()) if offer else 0


def _pick_bestseller(
    items: list[_Item],
    offers: dict[str, dict[str, Any]],
    truth: set[tuple[str, str]],
    mirakl_28d: dict[str, int],
) -> _Item | None:
    """The over-listed stock mismatch that Mirakl's own sales rank last."""
    mismatched = {entity for kind, entity in truth if kind == "stock_mismatch"}
    oversold = [
        item for item in items if item.shop_sku in mismatched and _oversell_units(item, offers) > 0
    ]
    if not oversold:
        return None
    return min(
        oversold,
        key=lambda item: (
            mirakl_28d.get(item.shop_sku, 0) * _oversell_units(item, offers),
            _oversell_units(item, offers),
            item.sku,
        ),
    )


def _bestseller_velocity(
    bestseller: _Item,
    items: list[_Item],
    offers: dict[str, dict[str, Any]],
    velocity: dict[str, Decimal],
) -> Decimal:
    """Fast enough that its oversell risk (units over the ERP x velocity) tops every other."""
    own = _oversell_units(bestseller, offers)
    top = max(
        (
            velocity[item.sku] * _oversell_units(item, offers)
            for item in items
            if item.sku != bestseller.sku
        ),
        default=Decimal(0),
    )
    fast = max(Decimal(5), (top / own + 1).to_integral_value(ROUND_CEILING))
    return fast.quantize(VELOCITY_STEP)


def _inject_drifts(
    rng: random.Random,
    candidates: list[_Item],
    in_stock: dict[str, dict[str, int]],
    count: int,
) -> set[str]:
    """Change the planning-tool stock of `count` SKUs; one case-pack SKU counted in cases."""
    drifts: set[str] = set()
    in_cases = next(
        (
            item
            for item in candidates
            if item.units_per_stock_unit > 1
            and sum(in_stock[item.sku].values()) > 0
            and all(
                on_hand - committed == (on_hand - committed).to_integral_value()
                for on_hand, committed in item.stock.values()
            )
        ),
        None,
    )
    if in_cases is not None:
        # The planning tool's unit of measure was set to the case: it shows 3 where the ERP's
        # 3 cases free to sell hold 36 units.
        for location, (on_hand, committed) in in_cases.stock.items():
            in_stock[in_cases.sku][location] = int(on_hand - committed)
        drifts.add(in_cases.sku)
    for item in candidates:
        if len(drifts) >= count:
            break
        if item.sku in drifts or item.units_per_stock_unit > 1:
            continue
        units = in_stock[item.sku]
        location = max(units, key=lambda loc: (units[loc], loc)) if units else "PAR-DC"
        current = units.get(location, 0)
        delta = rng.choice(DRIFT_DELTAS)
        if current + delta < 0:
            delta = -delta
        units[location] = current + delta
        drifts.add(item.sku)
    return drifts


# --- the API's shapes ----------------------------------------------------------------------------


def _variant(
    *,
    variant_id: str,
    item: _Item,
    offer: dict[str, Any] | None,
    warehouses: dict[str, int],
    velocity: Decimal,
    sold_30d: int,
    lead_time: int,
    as_of: dt.datetime,
) -> dict[str, Any]:
    in_stock = sum(warehouses.values())
    price = Decimal(str(offer["price"])) if offer else None
    cost_price = (price * Decimal("0.55")).quantize(CENT) if price else Decimal("12.50")
    horizon = lead_time + REVIEW_PERIOD_DAYS
    needed = int((velocity * horizon).to_integral_value(ROUND_CEILING))
    updated = (item.counted_at + SYNC_LAG) if item.counted_at else as_of - dt.timedelta(days=1)
    return {
        "id": variant_id,
        "product_id": f"{variant_id}_1",
        "sku": item.sku,
        "title": item.description,
        "barcode": f"30{_stable(item.sku) % 10**11:011d}",
        "price": price,
        "cost_price": cost_price,
        "in_stock": in_stock,
        "warehouse": _warehouse_entries(warehouses),
        "lead_time": lead_time,
        "review_period": REVIEW_PERIOD_DAYS,
        "last_30_days_sales": sold_30d,
        "forecast_description": {
            "method": "recent_sales_and_trends",
            "sales_velocity1": velocity,
            "sales_velocity30": (velocity * VELOCITY_DAYS).quantize(CENT),
            "trend": 0,
        },
        "current_forecast": (velocity * horizon).quantize(CENT),
        "oos": max(0, int(Decimal(in_stock) / velocity)) if velocity > 0 else None,
        # Completed by _purchase_orders once the open orders are known.
        "purchase_orders_qty": 0,
        "replenishment": max(0, needed - in_stock),
        "to_order": max(0, needed - in_stock),
        "removed": False,
        "created_at": _ip_time(as_of - dt.timedelta(days=400)),
        "updated_at": _ip_time(updated),
    }


def _warehouse_entries(units: dict[str, int]) -> list[dict[str, Any]]:
    # Entries of `warehouse[]` are not documented publicly; this sandbox uses id, name and
    # in_stock (see README, "Inventory Planner").
    return [
        {"id": location, "name": f"Warehouse {location}", "in_stock": stock}
        for location, stock in sorted(units.items())
    ]


def _bundle(as_of: dt.datetime) -> dict[str, Any]:
    return {
        "id": "4999001",
        "product_id": "4999001_1",
        "sku": "KIT-0001",
        "title": "Weekend camping kit (bundle)",
        "barcode": None,
        "price": Decimal("149.00"),
        "cost_price": Decimal("81.95"),
        "in_stock": 7,
        "warehouse": _warehouse_entries({"PAR-DC": 7}),
        "lead_time": 14,
        "review_period": REVIEW_PERIOD_DAYS,
        "last_30_days_sales": 6,
        "forecast_description": {
            "method": "recent_sales_and_trends",
            "sales_velocity1": Decimal("0.2000"),
            "sales_velocity30": Decimal("6.00"),
            "trend": 0,
        },
        "current_forecast": Decimal("8.80"),
        "oos": 35,
        "purchase_orders_qty": 0,
        "replenishment": 2,
        "to_order": 2,
        "removed": False,
        "created_at": _ip_time(as_of - dt.timedelta(days=200)),
        "updated_at": _ip_time(as_of - dt.timedelta(hours=2)),
    }


def _purchase_orders(
    rng: random.Random, variants: list[dict[str, Any]], as_of: dt.datetime, currency: str
) -> list[dict[str, Any]]:
    """One open PO per vendor for half the variants that need stock, and one received PO."""
    live = [v for v in variants if not v["removed"]]
    needing = [v for v in live if v["replenishment"] > 0]
    ordered = [v for v in needing if rng.random() < 0.5]
    by_vendor: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for variant in ordered:
        by_vendor[_vendor(variant["sku"])].append(variant)
    orders = []
    for number, vendor in enumerate(sorted(by_vendor), start=1):
        lines = by_vendor[vendor]
        created = as_of - dt.timedelta(days=3 + number)
        items = []
        for line_number, variant in enumerate(lines, start=1):
            quantity = variant["replenishment"]
            items.append(_po_item(number, line_number, variant, quantity, remaining=quantity))
            variant["purchase_orders_qty"] += quantity
            variant["replenishment"] = variant["to_order"] = 0
        orders.append(
            _po(
                number, vendor, "open", created, max(v["lead_time"] for v in lines), items, currency
            )
        )
    received = live[:2]
    if received:
        number = len(orders) + 1
        items = [
            _po_item(number, index, variant, 10, remaining=0)
            for index, variant in enumerate(received, start=1)
        ]
        created = as_of - dt.timedelta(days=45)
        orders.append(
            _po(number, _vendor(received[0]["sku"]), "closed", created, 14, items, currency)
        )
    return orders


def _po_item(
    number: int, line: int, variant: dict[str, Any], quantity: int, remaining: int
) -> dict[str, Any]:
    return {
        "id": f"{_hex(f'po{number}-line{line}')}",
        "sku": variant["sku"],
        "title": variant["title"],
        "replenishment": quantity,
        "remaining": remaining,
        "cost_price": variant["cost_price"],
        "in_stock": variant["in_stock"],
    }


def _po(
    number: int,
    vendor: str,
    status: str,
    created: dt.datetime,
    lead_time: int,
    items: list[dict[str, Any]],
    currency: str,
) -> dict[str, Any]:
    ordered = sum(item["replenishment"] for item in items)
    remaining = sum(item["remaining"] for item in items)
    total = sum((item["cost_price"] * item["replenishment"] for item in items), Decimal(0))
    updated = (
        created + dt.timedelta(hours=2)
        if status == "open"
        else created + dt.timedelta(days=lead_time)
    )
    return {
        "id": _hex(f"po{number}"),
        "type": "po",
        "status": status,
        "reference": f"PO-{number:04d}",
        "vendor": vendor,
        "warehouse": "PAR-DC",
        "currency": currency,
        "created_date": created.date().isoformat(),
        "expected_date": (created + dt.timedelta(days=lead_time)).date().isoformat(),
        "total": total.quantize(CENT),
        "total_ordered": ordered,
        "total_received": ordered - remaining,
        "items": items,
        "created_at": _ip_time(created),
        "updated_at": _ip_time(updated),
        "last_modified": _ip_time(updated),
    }


# --- helpers -------------------------------------------------------------------------------------


def _vendor(sku: str) -> str:
    return VENDORS.get(sku.split("-")[1], "General Outdoor Supply")


def _stable(text: str) -> int:
    return int(hashlib.sha256(text.encode()).hexdigest()[:12], 16)


def _hex(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()[:24]


def _whole(value: Decimal) -> int:
    return int(value.to_integral_value())


def _ip_time(moment: dt.datetime) -> str:
    """Inventory Planner writes date-times as ISO 8601 with an offset: 2020-01-28T07:46:10+00:00."""
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds")
