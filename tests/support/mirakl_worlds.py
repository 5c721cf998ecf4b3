"""Small deterministic Mirakl worlds for tests, built from a real Mirakl order.

Two builders, both writing the layout of `sandbox.world.layout` (world.json + mirakl/*.json) and
returning its `WorldLayout`:

- `build_mirakl_world(root)`: a seller with `orders` orders cloned from the real OR11 order of
  the fixtures (or11_shipping_with_refunds.json), plus offers, carriers, reasons, exactly
  `transaction_lines` TL02 lines, SBC11 billing cycles and IV01 invoices. Every item conforms
  to Mirakl's OpenAPI schemas (tests/sandbox/test_mirakl_contract.py checks it). The same
  arguments always give the same files.
- `build_fixture_world(root)`: a world whose orders are exactly the two real fixture orders,
  unchanged (they predate fields the current document requires).

Guarantees of `build_mirakl_world` that tests may rely on:

- order ids are `MRC-000001-A`, `MRC-000002-A`, ... in creation order, creation dates spread
  over the 90 days before `as_of`; line ids are `<order_id>-<index>`;
- the newest orders are, from the newest: `waiting_orders` in WAITING_ACCEPTANCE (no customer
  addresses yet, as Mirakl hides them before acceptance), one in WAITING_DEBIT_PAYMENT,
  `shipping_orders` in SHIPPING, then `shipped_orders` in SHIPPED; older orders are SHIPPED,
  RECEIVED or CLOSED, with a few REFUSED and CANCELED; some shipped ones carry a refund;
- every line sells an offer of the world (`offer_sku` = an OF21 `shop_sku`);
- prices exclude VAT (`order_tax_mode` TAX_EXCLUDED, 20 % VAT in `taxes`/`shipping_taxes`, as
  in the fixture); commission is 15 % of price + shipping, plus 20 % commission VAT;
- TL02 lines follow the orders: ORDER_AMOUNT, ORDER_AMOUNT_TAX, ORDER_SHIPPING_AMOUNT(_TAX),
  COMMISSION_FEE and COMMISSION_VAT per debited line, REFUND_* per refund; SUBSCRIPTION_FEE/VAT
  close each billing cycle; a PAYMENT pays out each paid cycle. When the orders need more lines
  than `transaction_lines`, the oldest orders are left out of the log whole (it starts later);
  when fewer, MANUAL_CREDIT/MANUAL_INVOICE lines after the last closed cycle fill the gap;
  `amount = amount_credited - amount_debited` on every line;
- billing cycles close every 10 days; all but the newest are PAID. `amount_transferred_to_seller`
  is the sum of the cycle's lines, and the PAYMENT line of a paid cycle debits exactly that
  (a cycle whose lines sum to zero or less, e.g. only its subscription, has no PAYMENT);
- one AUTO_INVOICE per cycle, plus two MANUAL_CREDIT documents (IV01 hides them by default).
"""

from __future__ import annotations

import copy
import datetime as dt
import os
import random
import uuid
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from recon.settings import SHARED_DIR
from sandbox import jsonio
from sandbox.world.layout import WorldLayout, WorldManifest

_REPO_FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "mirakl"
FIXTURES_DIR = Path(
    os.environ.get(
        "RECON_MIRAKL_FIXTURES",
        _REPO_FIXTURES if _REPO_FIXTURES.is_dir() else SHARED_DIR / "fixtures" / "mirakl",
    )
)
SHIPPING_ORDER_FIXTURE = "or11_shipping_with_refunds.json"
RECEIVED_ORDER_FIXTURE = "order_received.json"

DEFAULT_AS_OF = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)
DEFAULT_SHOP_ID = 2001
SHOP_NAME = "Sandbox Outfitters"
CURRENCY = "EUR"
HISTORY = dt.timedelta(days=90)
CYCLE_LENGTH = dt.timedelta(days=10)
PAYOUT_DELAY = dt.timedelta(days=2)
COMMISSION_RATE = Decimal("0.15")
COMMISSION_VAT_RATE = Decimal("20")
VAT_RATE = Decimal("20")
SUBSCRIPTION_FEE = Decimal("29.00")
SUBSCRIPTION_VAT = Decimal("5.80")
MANUAL_CREDIT = Decimal("5.00")
CENT = Decimal("0.01")
ZERO = Decimal("0.00")

# The fixtures' refunds use reason codes 15, 16 and 18: all must exist as REFUND reasons.
REASONS: list[dict[str, Any]] = [
    {"code": "15", "label": "Damaged item", "type": "REFUND", "is_shop_right": True},
    {"code": "16", "label": "Item not as described", "type": "REFUND", "is_shop_right": True},
    {"code": "18", "label": "Shipping cost adjustment", "type": "REFUND", "is_shop_right": True},
    {"code": "17", "label": "Operator goodwill", "type": "REFUND", "is_shop_right": False},
    {"code": "20", "label": "Out of stock", "type": "CANCELATION", "is_shop_right": True},
    {"code": "1", "label": "Item not received", "type": "INCIDENT_OPEN", "is_shop_right": False},
    {
        "code": "10",
        "label": "Replacement item received",
        "type": "INCIDENT_CLOSE",
        "is_shop_right": False,
    },
]

CARRIERS: list[dict[str, Any]] = [
    {
        "code": "UPS",
        "label": "UPS",
        "standard_code": "UPS",
        "tracking_url": "https://www.ups.com/track?tracknum={trackingId}",
    },
    {
        "code": "DHL",
        "label": "DHL Express",
        "standard_code": "DHL",
        "tracking_url": "https://www.dhl.com/fr-en/home/tracking.html?tracking-id={trackingId}",
    },
    {
        "code": "COLISSIMO",
        "label": "Colissimo",
        "standard_code": "COLISSIMO",
        "tracking_url": "https://www.laposte.fr/outils/suivre-vos-envois?code={trackingId}",
    },
    # A registered carrier without a tracking page: OR23 needs no tracking number for it.
    {"code": "LOCAL", "label": "Local courier", "standard_code": None, "tracking_url": None},
]

# The fixtures' SKUs, with their offer ids, come first so that fixture orders match offers.
FIXTURE_OFFERS: list[tuple[str, int, str, Decimal]] = [
    ("24-MB01", 2199, "Joust Duffle Bag", Decimal("2.81")),
    ("MH01-XL-Orange", 2208, "Chaz Kangeroo Hoodie-XL-Orange", Decimal("89.00")),
    ("MH02-XS-Red", 2000, "Hollister Backyard Sweatshirt-XS-Red", Decimal("120.00")),
]
OFFER_COUNT = 40
FIRST_NAMES = ("Camille", "Louis", "Jade", "Hugo", "Lea", "Arthur", "Chloe", "Jules")
LAST_NAMES = ("Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit")
CITIES = (("Paris", "75011"), ("Lyon", "69003"), ("Nantes", "44000"), ("Lille", "59000"))


def load_fixture(name: str) -> Any:
    return jsonio.read(FIXTURES_DIR / name)


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _stamp(value: dt.datetime) -> str:
    return jsonio.format_timestamp(value)


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _write(layout: WorldLayout, manifest: WorldManifest, collections: dict[str, list]) -> None:
    layout.root.mkdir(parents=True, exist_ok=True)
    layout.write_manifest(manifest)
    for name, items in collections.items():
        layout.write_mirakl(name, items)


# --- offers -----------------------------------------------------------------------------------


def _offers(rng: random.Random) -> list[dict[str, Any]]:
    catalog = list(FIXTURE_OFFERS)
    for index in range(len(catalog), OFFER_COUNT):
        price = Decimal(rng.randrange(500, 15000)) / 100
        catalog.append((f"SKU-{index:04d}", 3000 + index, f"Outdoor item {index:04d}", price))
    offers = []
    for sku, offer_id, title, price in catalog:
        min_shipping = Decimal("4.90")
        quantity = rng.choice([0, 3, 12, 25, 40, 100])
        offers.append(
            {
                "offer_id": offer_id,
                "shop_sku": sku,
                "product_sku": sku,
                "product_title": title,
                "product_references": [{"reference": sku, "reference_type": "SHOP_SKU"}],
                "category_code": "37",
                "category_label": "Eco Friendly",
                "state_code": "11",
                "active": True,
                "inactivity_reasons": [],
                "quantity": quantity,
                "warehouses": [],
                "price": price,
                "total_price": price + min_shipping,
                "all_prices": [
                    {
                        "channel_code": None,
                        "price": price,
                        "unit_origin_price": price,
                        "unit_discount_price": None,
                        "discount_start_date": None,
                        "discount_end_date": None,
                        "volume_prices": [
                            {
                                "price": price,
                                "quantity_threshold": 1,
                                "unit_origin_price": price,
                                "unit_discount_price": price,
                            }
                        ],
                    }
                ],
                "applicable_pricing": {
                    "channel_code": None,
                    "price": price,
                    "unit_origin_price": price,
                    "unit_discount_price": None,
                    "volume_prices": [],
                },
                "discount": None,
                "channels": [],
                "currency_iso_code": CURRENCY,
                "description": f"{title}, sold by {SHOP_NAME}",
                "internal_description": None,
                "fulfillment": {"center": {"code": "DEFAULT"}},
                "leadtime_to_ship": 2,
                "logistic_class": {"code": "M", "label": "Medium"},
                "min_order_quantity": 1,
                "max_order_quantity": 10,
                "min_quantity_alert": 2,
                "package_quantity": 1,
                "min_shipping_price": min_shipping,
                "min_shipping_price_additional": Decimal("1.50"),
                "min_shipping_type": "STD",
                "min_shipping_zone": "FR",
                "shipping_deadline": "2026-12-31T23:00:00Z",
                "available_start_date": None,
                "available_end_date": None,
                "allow_quote_requests": False,
                "offer_additional_fields": [],
                "price_additional_info": None,
                "product_tax_code": None,
            }
        )
    return offers


# --- orders -----------------------------------------------------------------------------------


@dataclass
class _Timeline:
    created: dt.datetime
    accepted: dt.datetime | None
    debited: dt.datetime | None
    shipped: dt.datetime | None
    received: dt.datetime | None
    closed: dt.datetime | None
    outcome: str  # "accepted", "refused" or "canceled"


def _timeline(rng: random.Random, created: dt.datetime, outcome: str) -> _Timeline:
    accepted = created + dt.timedelta(minutes=rng.randint(5, 600))
    if outcome == "refused":
        return _Timeline(created, accepted, None, None, None, None, outcome)
    debited = accepted + dt.timedelta(minutes=rng.randint(1, 30))
    if outcome == "canceled":
        return _Timeline(created, accepted, None, None, None, None, outcome)
    shipped = debited + dt.timedelta(hours=rng.randint(4, 48))
    received = shipped + dt.timedelta(days=rng.randint(3, 7), hours=rng.randint(0, 12))
    closed = received + dt.timedelta(days=30)
    return _Timeline(created, accepted, debited, shipped, received, closed, outcome)


def _state(timeline: _Timeline, as_of: dt.datetime) -> str:
    def done(moment: dt.datetime | None) -> bool:
        return moment is not None and moment <= as_of

    if not done(timeline.accepted):
        return "WAITING_ACCEPTANCE"
    if timeline.outcome == "refused":
        return "REFUSED"
    if timeline.outcome == "canceled":
        return "CANCELED"
    for moment, state in (
        (timeline.closed, "CLOSED"),
        (timeline.received, "RECEIVED"),
        (timeline.shipped, "SHIPPED"),
        (timeline.debited, "SHIPPING"),
    ):
        if done(moment):
            return state
    return "WAITING_DEBIT_PAYMENT"


def _tax(amount: Decimal, *, with_rule: bool) -> dict[str, Any]:
    # Prices exclude VAT (TAX_EXCLUDED, as in the fixture): the tax comes on top.
    tax: dict[str, Any] = {
        "amount": _cents(amount * VAT_RATE / 100),
        "code": "TVA20",
        "rate": VAT_RATE,
    }
    if with_rule:
        tax["tax_calculation_rule"] = "PROPORTIONAL_TO_AMOUNT"
    return tax


def _line(
    template: dict[str, Any],
    order_id: str,
    index: int,
    offer: dict[str, Any],
    quantity: int,
    shipping: Decimal,
) -> dict[str, Any]:
    line = copy.deepcopy(template)
    price = _cents(offer["price"] * quantity)
    fee = _cents((price + shipping) * COMMISSION_RATE)
    commission_vat = _cents(fee * COMMISSION_VAT_RATE / 100)
    line.update(
        order_line_id=f"{order_id}-{index}",
        order_line_index=index,
        offer_id=offer["offer_id"],
        offer_sku=offer["shop_sku"],
        product_sku=offer["product_sku"],
        product_title=offer["product_title"],
        offer_state_code=offer["state_code"],
        category_code=offer["category_code"],
        category_label=offer["category_label"],
        quantity=quantity,
        price_unit=offer["price"],
        price=price,
        shipping_price=shipping,
        total_price=price + shipping,
        commission_fee=fee,
        commission_vat=commission_vat,
        commission_rate_vat=COMMISSION_VAT_RATE,
        commission_taxes=[
            {"amount": commission_vat, "code": "TAXDEFAULT", "rate": COMMISSION_VAT_RATE}
        ],
        total_commission=fee + commission_vat,
        taxes=[_tax(price, with_rule=True)],
        shipping_taxes=[_tax(shipping, with_rule=True)] if shipping else [],
        refunds=[],
        cancelations=[],
        product_medias=[
            {
                "media_url": f"/media/product/image/{offer['shop_sku']}.jpg",
                "mime_type": "image/jpeg",
                "type": "ORIGINAL",
            }
        ],
    )
    return line


def _refund(
    rng: random.Random,
    order_id: str,
    line: dict[str, Any],
    refund_id: int,
    at: dt.datetime,
    as_of: dt.datetime,
) -> dict[str, Any]:
    amount = line["price_unit"]
    base = line["price"] + line["shipping_price"]
    commission = _cents(line["commission_fee"] * amount / base)
    commission_tax = _cents(commission * COMMISSION_VAT_RATE / 100)
    refunded = at + dt.timedelta(days=3) <= as_of
    state = "REFUNDED" if refunded else "WAITING_REFUND"
    return {
        "id": str(refund_id),
        "order_refund_id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{order_id}/{refund_id}")),
        "amount": amount,
        "shipping_amount": ZERO,
        "quantity": 1,
        "reason_code": rng.choice(["15", "16"]),
        "refund_state": state,
        # Deprecated twin of refund_state, still required by the OR11 schema.
        "state": state,
        "commission_amount": commission,
        "commission_tax_amount": commission_tax,
        "commission_taxes": [{"amount": commission_tax, "code": "TAXDEFAULT"}],
        "commission_total_amount": commission + commission_tax,
        "taxes": [{"amount": _tax(amount, with_rule=False)["amount"], "code": "TVA20"}],
        "shipping_taxes": [],
        "fees": [],
        "created_date": _stamp(at),
        "transaction_date": _stamp(at + dt.timedelta(days=3)) if refunded else None,
        "transaction_number": f"RT-{refund_id}" if refunded else None,
    }


def _address(rng: random.Random, first: str, last: str) -> dict[str, Any]:
    city, zip_code = rng.choice(CITIES)
    return {
        "civility": None,
        "company": None,
        "firstname": first,
        "lastname": last,
        "street_1": f"{rng.randint(1, 120)} rue de la Paix",
        "street_2": "",
        "zip_code": zip_code,
        "city": city,
        "state": None,
        "country": "France",
        "country_iso_code": "FRA",
        "phone": f"06{rng.randint(10000000, 99999999)}",
    }


def _orders(
    rng: random.Random,
    count: int,
    offers: list[dict[str, Any]],
    as_of: dt.datetime,
    *,
    waiting_orders: int,
    shipping_orders: int,
    shipped_orders: int,
) -> list[dict[str, Any]]:
    template = load_fixture(SHIPPING_ORDER_FIXTURE)["orders"][0]
    line_template = template["order_lines"][1]
    start = as_of - HISTORY
    step = HISTORY / max(count, 1)
    orders = []
    refund_id = 5000
    for number in range(1, count + 1):
        # Creation dates rise with the number; the newest order is a little before as_of.
        created = (
            start
            + step * (number - 1)
            + dt.timedelta(seconds=rng.randint(0, max(int(step.total_seconds() * 0.8), 1)))
        )
        age_rank = count - number  # 0 for the newest
        if age_rank < waiting_orders:
            timeline = _Timeline(created, None, None, None, None, None, "accepted")
        elif age_rank == waiting_orders:
            # Accepted half an hour ago; the operator has not debited the customer yet.
            created = min(created, as_of - dt.timedelta(hours=2))
            accepted = as_of - dt.timedelta(minutes=30)
            timeline = _Timeline(created, accepted, None, None, None, None, "accepted")
        elif age_rank <= waiting_orders + shipping_orders:
            # Paid a couple of hours ago, waiting for the shop to ship.
            accepted = min(created + dt.timedelta(minutes=10), as_of - dt.timedelta(hours=3))
            created = min(created, accepted - dt.timedelta(minutes=5))
            debited = as_of - dt.timedelta(hours=2, minutes=age_rank)
            timeline = _Timeline(created, accepted, debited, None, None, None, "accepted")
        elif age_rank <= waiting_orders + shipping_orders + shipped_orders:
            # Shipped yesterday, not received yet.
            created = min(created, as_of - dt.timedelta(days=3))
            accepted = created + dt.timedelta(minutes=10)
            debited = accepted + dt.timedelta(minutes=5)
            shipped = as_of - dt.timedelta(days=1, minutes=age_rank)
            timeline = _Timeline(created, accepted, debited, shipped, None, None, "accepted")
        else:
            outcome = rng.choices(["accepted", "refused", "canceled"], weights=[92, 5, 3])[0]
            timeline = _timeline(rng, created, outcome)
        created = timeline.created
        state = _state(timeline, as_of)
        order_id = f"MRC-{number:06d}-A"
        order = copy.deepcopy(template)
        lines = []
        for index in range(1, rng.choice([1, 1, 2, 2, 3]) + 1):
            offer = rng.choice(offers)
            shipping = Decimal("4.90") if index == 1 else rng.choice([ZERO, Decimal("1.50")])
            lines.append(
                _line(line_template, order_id, index, offer, rng.choice([1, 1, 2, 3]), shipping)
            )
        events = [
            moment
            for moment in (
                timeline.created,
                timeline.accepted,
                timeline.debited,
                timeline.shipped,
                timeline.received,
                timeline.closed,
            )
            if moment is not None and moment <= as_of
        ]
        for line in lines:
            line.update(
                order_line_state=state,
                created_date=_stamp(created),
                debited_date=_stamp(timeline.debited) if timeline.debited in events else None,
                shipped_date=_stamp(timeline.shipped) if timeline.shipped in events else None,
                received_date=_stamp(timeline.received) if timeline.received in events else None,
                can_refund=state in ("SHIPPING", "SHIPPED", "RECEIVED"),
            )
        if state in ("SHIPPED", "RECEIVED", "CLOSED") and rng.random() < 0.15:
            assert timeline.shipped is not None
            refund_at = min(timeline.shipped + dt.timedelta(days=2), as_of)
            refund_id += 1
            refund = _refund(rng, order_id, lines[0], refund_id, refund_at, as_of)
            lines[0]["refunds"].append(refund)
            events.append(refund_at)
        last_update = max(events)
        for line in lines:
            line["last_updated_date"] = _stamp(last_update)
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        customer = order["customer"]
        customer.update(
            customer_id=f"CUST-{rng.randint(10000, 99999)}",
            firstname=first,
            lastname=last,
            civility=None,
            locale="fr_FR",
        )
        customer["billing_address"] = _address(rng, first, last)
        customer["shipping_address"] = {**_address(rng, first, last), "additional_info": None}
        if state == "WAITING_ACCEPTANCE":
            # Mirakl shows no customer addresses before acceptance.
            customer["billing_address"] = None
            customer["shipping_address"] = None
        carrier = rng.choice(CARRIERS[:3]) if timeline.shipped in events else None
        tracking = f"TRK{number:08d}" if carrier else None
        price = sum((line["price"] for line in lines), ZERO)
        shipping_price = sum((line["shipping_price"] for line in lines), ZERO)
        order.update(
            order_id=order_id,
            commercial_id=f"MRC-{number:06d}",
            order_state=state,
            created_date=_stamp(created),
            last_updated_date=_stamp(last_update),
            acceptance_decision_date=_stamp(timeline.accepted)
            if timeline.accepted in events
            else None,
            customer_debited_date=_stamp(timeline.debited) if timeline.debited in events else None,
            customer_notification_email=f"{uuid.UUID(int=rng.getrandbits(128)).hex[:16]}"
            "@notification.mirakl.net",
            can_cancel=state in ("WAITING_ACCEPTANCE", "WAITING_DEBIT_PAYMENT"),
            can_shop_ship=state == "SHIPPING",
            fully_refunded=False,
            has_customer_message=False,
            has_incident=False,
            has_invoice=state in ("RECEIVED", "CLOSED"),
            leadtime_to_ship=2,
            shipping_deadline=_stamp(created + dt.timedelta(days=3)),
            order_tax_mode="TAX_EXCLUDED",
            fulfillment={"center": {"code": "DEFAULT"}},
            channel={"code": "FR", "label": "France"} if number % 3 else None,
            references={
                "order_reference_for_customer": f"WEB-{100000 + number}",
                "order_reference_for_seller": None,
            },
            paymentType="creditcard",
            payment_type="creditcard",
            payment_workflow="PAY_ON_ACCEPTANCE",
            price=price,
            shipping_price=shipping_price,
            total_price=price + shipping_price,
            total_commission=sum((line["total_commission"] for line in lines), ZERO),
            shipping_carrier_code=carrier["code"] if carrier else None,
            shipping_carrier_standard_code=carrier["standard_code"] if carrier else None,
            shipping_company=carrier["label"] if carrier else None,
            shipping_tracking=tracking,
            shipping_tracking_url=carrier["tracking_url"].replace("{trackingId}", tracking)
            if carrier and tracking
            else None,
            order_lines=lines,
        )
        orders.append(order)
    return orders


# --- accounting -------------------------------------------------------------------------------


@dataclass
class _Cycle:
    cycle_id: str
    starts: dt.datetime
    ends: dt.datetime
    paid: bool
    number: int

    @property
    def paid_at(self) -> dt.datetime:
        return self.ends + PAYOUT_DELAY

    @property
    def reference(self) -> str:
        return f"PAYOUT-{self.ends:%Y%m%d}"


def _cycles(rng: random.Random, as_of: dt.datetime) -> list[_Cycle]:
    start = (as_of - HISTORY).replace(hour=0, minute=0, second=0, microsecond=0)
    cycles = []
    ends = start + CYCLE_LENGTH
    number = 1
    while ends <= as_of:
        cycles.append(_Cycle(_uuid(rng), ends - CYCLE_LENGTH, ends, False, number))
        ends += CYCLE_LENGTH
        number += 1
    for cycle in cycles[:-1]:
        cycle.paid = cycle.paid_at <= as_of
    return cycles


@dataclass
class _Entry:
    """A transaction line before its cycle, payment state and balance are known."""

    kind: str
    credited: Decimal
    debited: Decimal
    at: dt.datetime
    order: dict[str, Any] | None = None
    line: dict[str, Any] | None = None
    refund_id: str | None = None
    # Set on PAYMENT lines: the cycle they pay out.
    pays: _Cycle | None = None


def _tax_total(taxes: list[dict[str, Any]]) -> Decimal:
    return sum((tax["amount"] for tax in taxes), ZERO)


def _order_entries(order: dict[str, Any]) -> list[_Entry]:
    """The TL02 lines of one order: the sale when the customer is debited, then its refunds."""
    if not order.get("customer_debited_date"):
        return []
    debited_at = jsonio.parse_timestamp(order["customer_debited_date"])
    entries = []
    for line in order["order_lines"]:
        sale = [
            ("ORDER_AMOUNT", line["price"], ZERO),
            ("ORDER_AMOUNT_TAX", _tax_total(line["taxes"]), ZERO),
            ("ORDER_SHIPPING_AMOUNT", line["shipping_price"], ZERO),
            ("ORDER_SHIPPING_AMOUNT_TAX", _tax_total(line["shipping_taxes"]), ZERO),
            ("COMMISSION_FEE", ZERO, line["commission_fee"]),
            ("COMMISSION_VAT", ZERO, line["commission_vat"]),
        ]
        entries += [
            _Entry(kind, credited, debited, debited_at, order, line)
            for kind, credited, debited in sale
            if credited or debited
        ]
        for refund in line["refunds"]:
            at = jsonio.parse_timestamp(refund["created_date"])
            taken_back = [
                ("REFUND_ORDER_AMOUNT", ZERO, refund["amount"]),
                ("REFUND_ORDER_AMOUNT_TAX", ZERO, _tax_total(refund["taxes"])),
                ("REFUND_ORDER_SHIPPING_AMOUNT", ZERO, refund["shipping_amount"]),
                ("REFUND_ORDER_SHIPPING_AMOUNT_TAX", ZERO, _tax_total(refund["shipping_taxes"])),
                ("REFUND_COMMISSION_FEE", refund["commission_amount"], ZERO),
                ("REFUND_COMMISSION_VAT", refund["commission_tax_amount"], ZERO),
            ]
            entries += [
                _Entry(kind, credited, debited, at, order, line, refund["id"])
                for kind, credited, debited in taken_back
                if credited or debited
            ]
    return entries


def _cycle_of(cycles: list[_Cycle], moment: dt.datetime) -> _Cycle | None:
    return next((cycle for cycle in cycles if cycle.starts <= moment < cycle.ends), None)


def _settle(
    cycles: list[_Cycle], entries: list[_Entry]
) -> tuple[dict[str, list[_Entry]], dict[str, Decimal], list[_Entry]]:
    """Each cycle's lines, its payout, and the PAYMENT lines of paid cycles owed money."""
    members: dict[str, list[_Entry]] = {cycle.cycle_id: [] for cycle in cycles}
    for entry in entries:
        cycle = _cycle_of(cycles, entry.at)
        if cycle is not None:
            members[cycle.cycle_id].append(entry)
    payouts = {
        cycle_id: sum((e.credited - e.debited for e in items), ZERO)
        for cycle_id, items in members.items()
    }
    payments = [
        _Entry("PAYMENT", ZERO, payouts[cycle.cycle_id], cycle.paid_at, pays=cycle)
        for cycle in cycles
        if cycle.paid and payouts[cycle.cycle_id] > 0
    ]
    return members, payouts, payments


def _accounting(
    rng: random.Random,
    orders: list[dict[str, Any]],
    as_of: dt.datetime,
    shop_id: int,
    transaction_lines: int,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    cycles = _cycles(rng, as_of)
    subscriptions = [
        _Entry(kind, ZERO, amount, cycle.ends - dt.timedelta(minutes=1))
        for cycle in cycles
        for kind, amount in (
            ("SUBSCRIPTION_FEE", SUBSCRIPTION_FEE),
            ("SUBSCRIPTION_VAT", SUBSCRIPTION_VAT),
        )
    ]
    per_order = [_order_entries(order) for order in orders]
    # Too many lines: the log starts later, leaving out the oldest orders whole.
    while True:
        entries = [entry for items in per_order for entry in items] + subscriptions
        members, payouts, payments = _settle(cycles, entries)
        if len(entries) + len(payments) <= transaction_lines or not any(per_order):
            break
        per_order[next(i for i, items in enumerate(per_order) if items)] = []
    # Too few: operator credits and invoices after the last closed cycle, which they leave be.
    open_since = cycles[-1].ends if cycles else as_of - HISTORY
    missing = transaction_lines - len(entries) - len(payments)
    for index in range(max(missing, 0)):
        at = open_since + (as_of - open_since) * (index + 1) / (missing + 1)
        if index % 2:
            entries.append(_Entry("MANUAL_INVOICE", ZERO, MANUAL_CREDIT, at))
        else:
            entries.append(_Entry("MANUAL_CREDIT", MANUAL_CREDIT, ZERO, at))
    entries = sorted(entries + payments, key=lambda entry: entry.at)[:transaction_lines]

    invoice_number = {cycle.cycle_id: 1000 + cycle.number for cycle in cycles}
    lines = []
    balance = ZERO
    for position, entry in enumerate(entries):
        cycle = entry.pays or _cycle_of(cycles, entry.at)
        amount = entry.credited - entry.debited
        balance += amount
        if cycle is not None:
            state = "PAID" if cycle.paid else "PAYABLE"
        elif entry.order is not None and entry.order["order_state"] == "SHIPPING":
            state = "PENDING"  # paid by the customer, not shipped yet
        else:
            state = "PAYABLE"
        created = entry.at + dt.timedelta(milliseconds=position % 1000)
        updated = max(cycle.paid_at, created) if cycle is not None and cycle.paid else created
        lines.append(
            {
                "id": _uuid(rng),
                "type": entry.kind,
                "amount": amount,
                "amount_credited": entry.credited,
                "amount_debited": entry.debited,
                "balance": balance,
                "currency_iso_code": CURRENCY,
                "date_created": _stamp(created),
                "last_updated": _stamp(updated),
                "payment_state": state,
                "pay_out_psp_code": "NOT_SPECIFIED",
                "seller_billing_cycle_id": cycle.cycle_id if cycle else None,
                "accounting_document_number": (
                    f"{invoice_number[cycle.cycle_id]:012d}" if cycle else None
                ),
                "accounting_document_creation_date": (
                    _stamp(cycle.ends + dt.timedelta(hours=1)) if cycle else None
                ),
                "entities": _entities(entry),
            }
        )

    billing_cycles = [
        _billing_cycle(cycle, members[cycle.cycle_id], payouts[cycle.cycle_id], shop_id)
        for cycle in cycles
    ]
    invoices = [
        _invoice(cycle, members[cycle.cycle_id], invoice_number[cycle.cycle_id], shop_id)
        for cycle in cycles
    ]
    for number, cycle in enumerate(cycles[:2], start=1):
        invoices.append(_manual_credit(rng, cycle, 900 + number, shop_id))
    return lines, billing_cycles, invoices


def _entities(entry: _Entry) -> dict[str, Any]:
    entities: dict[str, Any] = {"domain": "PRODUCT"}
    if entry.order is not None:
        order = entry.order
        entities["order"] = {
            "id": order["order_id"],
            "commercial_id": order["commercial_id"],
            "creation_date": order["created_date"],
            "references": order["references"],
            "payment_info": {"payment_type": order["payment_type"], "imprint_number": None},
        }
    if entry.line is not None:
        entities["order_line"] = {"id": entry.line["order_line_id"]}
    if entry.refund_id is not None:
        entities["refund"] = {"id": entry.refund_id}
    if entry.kind in ("COMMISSION_VAT", "REFUND_COMMISSION_VAT", "SUBSCRIPTION_VAT"):
        entities["shop_tax"] = {"code": "TAXDEFAULT", "rate": COMMISSION_VAT_RATE}
    if entry.kind.endswith("AMOUNT_TAX"):
        entities["order_tax"] = {"code": "TVA20", "rate": VAT_RATE}
    return entities


def _sum(entries: list[_Entry], *kinds: str) -> Decimal:
    return sum((e.credited - e.debited for e in entries if e.kind in kinds), ZERO)


def _summary(entries: list[_Entry]) -> dict[str, Decimal]:
    """SBC11 totals: what the seller is owed is positive, what it is charged negative."""
    sales = ("ORDER_AMOUNT", "ORDER_SHIPPING_AMOUNT")
    sales_tax = ("ORDER_AMOUNT_TAX", "ORDER_SHIPPING_AMOUNT_TAX")
    refunds = ("REFUND_ORDER_AMOUNT", "REFUND_ORDER_SHIPPING_AMOUNT")
    refunds_tax = ("REFUND_ORDER_AMOUNT_TAX", "REFUND_ORDER_SHIPPING_AMOUNT_TAX")
    summary = {
        "total_payable_orders_excl_tax": _sum(entries, *sales),
        "total_payable_orders_incl_tax": _sum(entries, *sales, *sales_tax),
        "total_commissions_excl_tax": _sum(entries, "COMMISSION_FEE"),
        "total_commissions_incl_tax": _sum(entries, "COMMISSION_FEE", "COMMISSION_VAT"),
        "total_refund_orders_excl_tax": _sum(entries, *refunds),
        "total_refund_orders_incl_tax": _sum(entries, *refunds, *refunds_tax),
        "total_refund_payable_orders_excl_tax": _sum(entries, *refunds),
        "total_refund_payable_orders_incl_tax": _sum(entries, *refunds, *refunds_tax),
        "total_refund_commissions_excl_tax": _sum(entries, "REFUND_COMMISSION_FEE"),
        "total_refund_commissions_incl_tax": _sum(
            entries, "REFUND_COMMISSION_FEE", "REFUND_COMMISSION_VAT"
        ),
        "total_subscription_excl_tax": _sum(entries, "SUBSCRIPTION_FEE"),
        "total_subscription_incl_tax": _sum(entries, "SUBSCRIPTION_FEE", "SUBSCRIPTION_VAT"),
        "total_other_credits_excl_tax": _sum(entries, "MANUAL_CREDIT"),
        "total_other_credits_incl_tax": _sum(entries, "MANUAL_CREDIT"),
        "total_other_invoices_excl_tax": _sum(entries, "MANUAL_INVOICE"),
        "total_other_invoices_incl_tax": _sum(entries, "MANUAL_INVOICE"),
    }
    for name in (
        "total_fee_excl_tax",
        "total_fee_incl_tax",
        "total_operator_remitted_taxes",
        "total_refund_operator_remitted_taxes",
        "total_purchase_taxes",
        "total_refund_purchase_taxes",
        "total_seller_penalty_fees_excl_tax",
        "total_seller_penalty_fees_incl_tax",
    ):
        summary[name] = ZERO
    return summary


def _shop(shop_id: int) -> dict[str, Any]:
    return {
        "shop_id": shop_id,
        "shop_name": SHOP_NAME,
        "shop_corporate_name": f"{SHOP_NAME} SAS",
        "shop_model": "MARKETPLACE",
        "shop_operator_internal_id": f"OP-{shop_id}",
    }


def _billing_cycle(
    cycle: _Cycle, entries: list[_Entry], payout: Decimal, shop_id: int
) -> dict[str, Any]:
    to_operator = -(
        _sum(entries, "COMMISSION_FEE", "COMMISSION_VAT", "SUBSCRIPTION_FEE", "SUBSCRIPTION_VAT")
        + _sum(entries, "REFUND_COMMISSION_FEE", "REFUND_COMMISSION_VAT")
    )
    pay_out: dict[str, Any] = {"state": "PAID" if cycle.paid else "TO_PAY"}
    if cycle.paid:
        pay_out.update(reference=cycle.reference, transaction_date=_stamp(cycle.paid_at))
    return {
        "id": cycle.cycle_id,
        "date_created": _stamp(cycle.ends),
        "currency_iso_code": CURRENCY,
        "payment_voucher_number": f"{cycle.number:06d}",
        "amount_transferred_to_seller": payout,
        "amount_transferred_to_operator": to_operator,
        "pay_out": pay_out,
        "pay_out_psp_code": "NOT_SPECIFIED",
        "shop": _shop(shop_id),
        "summary": _summary(entries),
    }


def _invoice(cycle: _Cycle, entries: list[_Entry], invoice_id: int, shop_id: int) -> dict[str, Any]:
    # The AUTO_INVOICE bills the shop what the operator kept: commissions and subscription.
    fees = -_sum(entries, "COMMISSION_FEE", "SUBSCRIPTION_FEE", "REFUND_COMMISSION_FEE")
    vat = -_sum(entries, "COMMISSION_VAT", "SUBSCRIPTION_VAT", "REFUND_COMMISSION_VAT")
    issued = cycle.ends + dt.timedelta(hours=1)
    shop = _shop(shop_id)
    return {
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"invoice/{cycle.cycle_id}")),
        "invoice_id": invoice_id,
        "type": "AUTO_INVOICE",
        "state": "COMPLETE",
        "date_created": _stamp(issued),
        "issue_date": _stamp(issued),
        "due_date": _stamp(issued + dt.timedelta(days=30)),
        "start_time": _stamp(cycle.starts),
        "end_time": _stamp(cycle.ends),
        "currency_iso_code": CURRENCY,
        "total_amount_excl_taxes": fees,
        "total_amount_incl_taxes": fees + vat,
        "total_charged_amount": fees + vat,
        "total_taxes": [{"amount": vat, "code": "TAXDEFAULT"}],
        "details": [
            {
                "description": f"Commissions of orders from {cycle.starts:%d/%m/%Y} "
                f"to {cycle.ends:%d/%m/%Y}",
                "quantity": 1,
                "amount_excl_taxes": fees - SUBSCRIPTION_FEE,
                "taxes": [{"amount": vat - SUBSCRIPTION_VAT, "code": "TAXDEFAULT"}],
            },
            {
                "description": "Subscription",
                "quantity": 1,
                "amount_excl_taxes": SUBSCRIPTION_FEE,
                "taxes": [{"amount": SUBSCRIPTION_VAT, "code": "TAXDEFAULT"}],
            },
        ],
        "issuing_user": {"type": "BATCH", "information": "Automatic action"},
        "payment": {
            "state": "PAID" if cycle.paid else "PENDING",
            "reference": cycle.reference if cycle.paid else None,
            "transaction_date": _stamp(cycle.paid_at) if cycle.paid else None,
        },
        "pay_out_psp_code": "NOT_SPECIFIED",
        "seller_billing_cycle_id": cycle.cycle_id,
        "shop_id": shop_id,
        "shop_name": shop["shop_name"],
        "shop_corporate_name": shop["shop_corporate_name"],
        "shop_model": shop["shop_model"],
        "shop_operator_internal_id": shop["shop_operator_internal_id"],
        "summary": {
            "amount_transferred": ZERO,
            "amount_transferred_to_operator": fees + vat,
        },
    }


def _manual_credit(
    rng: random.Random, cycle: _Cycle, invoice_id: int, shop_id: int
) -> dict[str, Any]:
    issued = cycle.starts + dt.timedelta(days=4, hours=10)
    return {
        "id": _uuid(rng),
        "invoice_id": invoice_id,
        "type": "MANUAL_CREDIT",
        "state": "COMPLETE",
        "date_created": _stamp(issued),
        "issue_date": _stamp(issued),
        "due_date": _stamp(issued + dt.timedelta(days=30)),
        "currency_iso_code": CURRENCY,
        "total_amount_excl_taxes": MANUAL_CREDIT,
        "total_amount_incl_taxes": MANUAL_CREDIT,
        "total_taxes": [],
        "details": [
            {
                "description": "Goodwill credit",
                "quantity": 1,
                "amount_excl_taxes": MANUAL_CREDIT,
                "taxes": [],
            }
        ],
        "issuing_user": {"type": "OPERATOR", "information": "Operator back office"},
        "payment": {"state": "PAID", "reference": f"MC-{invoice_id}", "transaction_date": None},
        "pay_out_psp_code": "NOT_SPECIFIED",
        "seller_billing_cycle_id": cycle.cycle_id,
        "shop_id": shop_id,
        "shop_name": SHOP_NAME,
    }


# --- builders ---------------------------------------------------------------------------------


def build_mirakl_world(
    root: Path,
    *,
    orders: int = 250,
    transaction_lines: int = 2500,
    as_of: dt.datetime = DEFAULT_AS_OF,
    shop_id: int = DEFAULT_SHOP_ID,
    seed: int = 0,
    waiting_orders: int = 4,
    shipping_orders: int = 6,
    shipped_orders: int = 2,
) -> WorldLayout:
    """Write a deterministic Mirakl world under `root` (see the module docstring).

    Args:
        root: Directory to write world.json and mirakl/*.json into (created if missing).
        orders: Number of OR11 orders, more than the waiting, shipping and shipped ones.
        transaction_lines: Exact number of TL02 lines.
        as_of: The world's evaluation time; every date of the world is at or before it.
        shop_id: The shop the world belongs to (the sandbox refuses other `shop_id`s).
        seed: Varies amounts, dates and ids; the same seed gives the same files.
        waiting_orders: Newest orders left in WAITING_ACCEPTANCE, for OR21.
        shipping_orders: Orders in SHIPPING (paid, not shipped), for OR23/OR24/OR28.
        shipped_orders: Orders in SHIPPED (shipped yesterday, not received), after those.
    """
    if orders < waiting_orders + shipping_orders + shipped_orders + 1:
        raise ValueError("orders must leave room for the waiting, shipping and shipped orders")
    rng = random.Random(f"mirakl-world:{seed}")
    as_of = as_of.astimezone(dt.UTC)
    offers = _offers(rng)
    order_items = _orders(
        rng,
        orders,
        offers,
        as_of,
        waiting_orders=waiting_orders,
        shipping_orders=shipping_orders,
        shipped_orders=shipped_orders,
    )
    lines, cycles, invoices = _accounting(rng, order_items, as_of, shop_id, transaction_lines)
    layout = WorldLayout(Path(root))
    manifest = WorldManifest(
        # scale 0 marks a test world, not one made by the demo-world generator.
        seed=seed,
        scale=0.0,
        as_of=as_of,
        shop_id=shop_id,
        shop_name=SHOP_NAME,
        currency=CURRENCY,
    )
    _write(
        layout,
        manifest,
        {
            "orders": order_items,
            "offers": offers,
            "carriers": copy.deepcopy(CARRIERS),
            "transaction_logs": lines,
            "billing_cycles": cycles,
            "invoices": invoices,
            "reasons": copy.deepcopy(REASONS),
        },
    )
    return layout


FIXTURE_WORLD_AS_OF = dt.datetime(2019, 4, 3, 8, 0, tzinfo=dt.UTC)


def fixture_orders() -> list[dict[str, Any]]:
    """The two real OR11 orders of the fixtures, unchanged: SHIPPING first, then RECEIVED."""
    shipping = load_fixture(SHIPPING_ORDER_FIXTURE)["orders"][0]
    received = load_fixture(RECEIVED_ORDER_FIXTURE)
    return [shipping, received]


def build_fixture_world(root: Path, *, shop_id: int = DEFAULT_SHOP_ID) -> WorldLayout:
    """Write a world whose orders are exactly the two real fixture orders.

    Reasons (including the fixtures' refund reasons 15, 16, 18), carriers and the three offers
    the fixture orders sell come along; there are no transaction lines, cycles or invoices.
    `as_of` is 2019-04-03T08:00:00Z, just after the fixtures' last update.
    """
    rng = random.Random("mirakl-fixture-world")
    offers = [offer for offer in _offers(rng)[: len(FIXTURE_OFFERS)]]
    layout = WorldLayout(Path(root))
    manifest = WorldManifest(
        seed=0,
        scale=0.0,
        as_of=FIXTURE_WORLD_AS_OF,
        shop_id=shop_id,
        shop_name=SHOP_NAME,
        currency=CURRENCY,
    )
    _write(
        layout,
        manifest,
        {
            "orders": fixture_orders(),
            "offers": offers,
            "carriers": copy.deepcopy(CARRIERS),
            "transaction_logs": [],
            "billing_cycles": [],
            "invoices": [],
            "reasons": copy.deepcopy(REASONS),
        },
    )
    return layout
