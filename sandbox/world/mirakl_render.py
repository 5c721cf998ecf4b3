"""Render the world as Mirakl shows it at as_of: OR11 orders, OF21 offers, SH21, RE01.

Shapes follow Mirakl's OpenAPI document; optional fields are omitted rather than null,
because the published schemas do not allow null.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from sandbox.world.catalog import Offer
from sandbox.world.stories import OrderStory

CARRIERS = (
    (
        "CHRONOPOST",
        "Chronopost",
        "https://www.chronopost.fr/tracking-no-cms/suivi-page?listeNumerosLT={trackingId}",
    ),
    ("COLISSIMO", "Colissimo", "https://www.laposte.fr/outils/suivre-vos-envois?code={trackingId}"),
    ("DHL", "DHL Express", "https://www.dhl.com/fr-en/home/tracking.html?tracking-id={trackingId}"),
    ("DPD", "DPD", "https://trace.dpd.fr/fr/trace/{trackingId}"),
    ("GLS", "GLS", "https://gls-group.com/FR/fr/suivi-colis?match={trackingId}"),
    ("UPS", "UPS", "https://www.ups.com/track?tracknum={trackingId}"),
)

REASONS = (
    ("15", "Item damaged", "REFUND"),
    ("16", "Item not received", "REFUND"),
    ("18", "Customer return", "REFUND"),
    ("21", "Out of stock", "CANCELATION"),
    ("22", "Customer request", "CANCELATION"),
    ("31", "Incident: delivery delay", "INCIDENT_OPEN"),
)

FIRST_NAMES = (
    "Camille",
    "Louis",
    "Jade",
    "Hugo",
    "Lea",
    "Arthur",
    "Chloe",
    "Jules",
    "Ines",
    "Noah",
)
LAST_NAMES = ("Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand")
CITIES = (("Paris", "75011"), ("Lyon", "69003"), ("Nantes", "44000"), ("Lille", "59000"))


def render_carriers() -> list[dict[str, Any]]:
    return [
        {"code": code, "label": label, "standard_code": code, "tracking_url": url}
        for code, label, url in sorted(CARRIERS, key=lambda carrier: carrier[1])
    ]


def render_reasons() -> list[dict[str, Any]]:
    return [
        {"code": code, "label": label, "type": kind, "is_shop_right": True}
        for code, label, kind in REASONS
    ]


def render_offers(offers: list[Offer], as_of: dt.datetime, currency: str) -> list[dict[str, Any]]:
    rendered = []
    for offer in offers:
        item = {
            "offer_id": offer.offer_id,
            "shop_sku": offer.shop_sku,
            "product_sku": offer.product_sku,
            "product_title": offer.title,
            "product_references": [{"reference": offer.product_sku, "reference_type": "SHOP_SKU"}],
            "category_code": offer.category[0],
            "category_label": offer.category[1],
            "quantity": offer.quantity,
            "price": offer.price,
            "total_price": offer.price + Decimal("4.90"),
            "all_prices": [
                {"price": offer.price, "unit_origin_price": offer.price, "volume_prices": []}
            ],
            "active": offer.active,
            "state_code": "11",
            "currency_iso_code": currency,
            "description": offer.title,
            "channels": [],
            "fulfillment": {"center": {"code": "DEFAULT"}},
            "leadtime_to_ship": 2,
            "logistic_class": {"code": "M", "label": "Medium"},
            "min_quantity_alert": 0,
            "min_order_quantity": 1,
            "max_order_quantity": 99,
            "package_quantity": 1,
            "min_shipping_price": Decimal("4.90"),
            "min_shipping_price_additional": Decimal("0.00"),
            "min_shipping_type": "STD",
            "min_shipping_zone": "FR",
            "shipping_deadline": as_of + dt.timedelta(days=2),
        }
        if not offer.active:
            item["inactivity_reasons"] = ["SHOP_NOT_OPEN"] if offer.quantity else ["ZERO_QUANTITY"]
        rendered.append(item)
    return rendered


def _customer(story: OrderStory) -> dict[str, Any]:
    rng = random.Random(story.customer_number)
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    city, zip_code = rng.choice(CITIES)
    address = {
        "firstname": first,
        "lastname": last,
        "street_1": f"{rng.randint(1, 120)} rue des Lilas",
        "city": city,
        "zip_code": zip_code,
        "country": "France",
        "country_iso_code": "FRA",
    }
    return {
        "customer_id": f"CUST-{story.customer_number:05d}",
        "firstname": first,
        "lastname": last,
        "locale": "fr_FR",
        "billing_address": address,
        "shipping_address": dict(address),
    }


def render_order(story: OrderStory, as_of: dt.datetime, currency: str) -> dict[str, Any]:
    state = story.state_at(as_of)
    events = story.events_until(as_of)
    last_updated = max(events)

    def seen(moment: dt.datetime | None) -> bool:
        return moment is not None and moment <= as_of

    lines = []
    for line in story.lines:
        refunds = [
            _render_refund(refund, as_of)
            for refund in story.mirakl_refunds
            if refund.line_index == line.index and seen(refund.created_at)
        ]
        refunded = sum((r["amount"] for r in refunds), Decimal(0))
        rendered_line: dict[str, Any] = {
            "order_line_id": f"{story.order_id}-{line.index}",
            "order_line_index": line.index,
            "order_line_state": state,
            "offer_id": line.offer.offer_id,
            "offer_sku": line.offer.shop_sku,
            "offer_state_code": "11",
            "product_sku": line.offer.product_sku,
            "product_shop_sku": line.offer.shop_sku,
            "product_title": line.offer.title,
            "category_code": line.offer.category[0],
            "category_label": line.offer.category[1],
            "description": "",
            "quantity": line.quantity,
            "price_unit": line.unit_price,
            "price": line.price,
            "shipping_price": line.shipping,
            "total_price": line.price + line.shipping,
            "commission_fee": line.commission_fee,
            "commission_vat": line.commission_vat,
            "commission_rate_vat": Decimal("20.0000"),
            "commission_taxes": [
                {"amount": line.commission_vat, "code": "TAXDEFAULT", "rate": Decimal("20.0000")}
            ],
            "total_commission": line.total_commission,
            "taxes": [],
            "shipping_taxes": [],
            "can_refund": state in ("SHIPPED", "RECEIVED") and refunded < line.price,
            "refunds": refunds,
            "cancelations": [],
            "order_line_additional_fields": [],
            "product_medias": [],
            "created_date": story.created_at,
            "last_updated_date": last_updated,
        }
        if seen(story.debited_at):
            rendered_line["debited_date"] = story.debited_at
        if seen(story.mirakl_shipped_at):
            rendered_line["shipped_date"] = story.mirakl_shipped_at
        if seen(story.received_at):
            rendered_line["received_date"] = story.received_at
        lines.append(rendered_line)

    order: dict[str, Any] = {
        "order_id": story.order_id,
        "commercial_id": story.commercial_id,
        "order_state": state,
        "created_date": story.created_at,
        "last_updated_date": last_updated,
        "currency_iso_code": currency,
        "customer": _customer(story),
        "fulfillment": {"center": {"code": "DEFAULT"}},
        "order_tax_mode": "TAX_INCLUDED",
        "payment_workflow": "PAY_ON_ACCEPTANCE",
        "paymentType": "CREDIT_CARD",
        "payment_type": "CREDIT_CARD",
        "price": story.price,
        "shipping_price": story.shipping_price,
        "total_price": story.total_price,
        "total_commission": story.total_commission,
        "leadtime_to_ship": 2,
        "shipping_type_code": "STD",
        "shipping_type_label": "Standard delivery",
        "shipping_zone_code": "FR",
        "shipping_zone_label": "France",
        "can_cancel": state in ("WAITING_ACCEPTANCE", "WAITING_DEBIT", "WAITING_DEBIT_PAYMENT"),
        "can_shop_ship": state == "SHIPPING",
        "fully_refunded": False,
        "has_customer_message": False,
        "has_incident": False,
        "has_invoice": state in ("SHIPPED", "RECEIVED", "CLOSED"),
        "order_lines": lines,
        "references": {"order_reference_for_customer": story.commercial_id},
    }
    if seen(story.accepted_at):
        order["acceptance_decision_date"] = story.accepted_at
    elif seen(story.refused_at) and not story.auto_refused:
        order["acceptance_decision_date"] = story.refused_at
    if story.auto_refused and seen(story.refused_at):
        order["order_state_reason_code"] = "ACCEPTANCE_TIMEOUT"
        order["order_state_reason_label"] = "Automatically rejected"
    if seen(story.debited_at):
        order["customer_debited_date"] = story.debited_at
        order["shipping_deadline"] = story.shipping_deadline
        order["transaction_date"] = story.debited_at
        order["transaction_number"] = f"PSP-{story.number:08d}"
    if seen(story.mirakl_shipped_at) and story.fulfilment is not None:
        if story.mirakl_carrier_code:
            order["shipping_carrier_code"] = story.mirakl_carrier_code
        order["shipping_company"] = story.fulfilment.carrier.strip()
        order["shipping_tracking"] = story.fulfilment.tracking_number
    return order


def _render_refund(refund, as_of: dt.datetime) -> dict[str, Any]:
    state = "REFUNDED" if refund.created_at <= as_of - dt.timedelta(days=1) else "WAITING_REFUND"
    return {
        "id": refund.refund_id,
        "order_refund_id": f"OR-{refund.refund_id}",
        "amount": refund.amount,
        "shipping_amount": refund.shipping_amount,
        "quantity": 0,
        "reason_code": refund.reason_code,
        "refund_state": state,
        "state": state,
        "commission_amount": refund.commission_fee,
        "commission_tax_amount": refund.commission_vat,
        "commission_taxes": [{"amount": refund.commission_vat, "code": "TAXDEFAULT"}],
        "commission_total_amount": refund.commission_fee + refund.commission_vat,
        "taxes": [],
        "shipping_taxes": [],
        "created_date": refund.created_at,
    }
