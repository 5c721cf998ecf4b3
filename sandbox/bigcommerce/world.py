"""The demo world's ERP side as one BigCommerce store.

BigCommerce is the ERP here: its catalog holds the items, its inventory the stock per location,
its V2 orders the marketplace sales orders (`external_order_id` = the Mirakl order id), their
shipments the fulfilments, and its V3 refunds the refunds. How each fact is placed:

- One product per item, without options: its base variant carries the SKU and the stock
  (`inventory_tracking` "product"). The storefront sells single units, so stock is counted in
  sellable units: a world item stocked in cases of 12 with 2.5 cases on hand has 30 units.
- On-hand is net of open orders, as BigCommerce decrements stock when an order is placed.
  Orders beyond the stock are backordered units (`qty_backordered`), never a negative on-hand.
- The item's safety stock is the `safety_stock` setting of its first location.
- Custom fields carry what BigCommerce has no field for: `mirakl_listed` (true/false) and,
  when the item sells under another SKU on Mirakl, `mirakl_shop_sku`.
- A product's `date_modified` is when its stock last changed: the latest stock snapshot.
- An order's `date_modified` is its latest event (creation, shipment, refund) up to as_of.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

from sandbox.bigcommerce.store import (
    CustomField,
    Location,
    Order,
    OrderProduct,
    Product,
    Refund,
    Shipment,
    Stock,
    Store,
    Variant,
)
from sandbox.world.erp_records import ErpRecords, read_erp_records
from sandbox.world.layout import WorldLayout

# Canonical ERP status -> BigCommerce status_id.
STATUS_IDS = {"open": 11, "fulfilled": 2, "closed": 10, "cancelled": 5}

# BigCommerce's built-in shipping providers; any other carrier ships as a custom one ("").
PROVIDERS = {"ups": ("ups", "UPS"), "fedex": ("fedex", "FedEx"), "usps": ("usps", "USPS")}
# AfterShip slugs BigCommerce stores in tracking_carrier, by carrier name.
AFTERSHIP_SLUGS = {
    "chronopost": "chronopost-france",
    "colissimo": "colissimo",
    "la poste colissimo": "colissimo",
    "dhl express": "dhl",
    "dpd france": "dpd-fr",
    "gls": "gls",
    "mondial relay": "mondialrelay",
    "ups standard": "ups",
    "ups express": "ups",
    "geodis": "geodis-calberson-fr",
}

FIRST_PRODUCT_ID = 111
FIRST_VARIANT_ID = 1001
FIRST_ORDER_ID = 100
FIRST_ORDER_PRODUCT_ID = 5001
FIRST_SHIPMENT_ID = 7001
FIRST_REFUND_ID = 9001
LISTED_FIELD = "mirakl_listed"
SHOP_SKU_FIELD = "mirakl_shop_sku"


class WorldNotServable(ValueError):
    """The world holds a fact BigCommerce cannot represent."""


def store_from_world(world_dir: Path, store_hash: str) -> Store:
    layout = WorldLayout(Path(world_dir))
    manifest = layout.read_manifest()
    records = read_erp_records(layout.root)
    store = Store(store_hash=store_hash, as_of=manifest.as_of)
    _add_catalog(store, records)
    _add_orders(store, records, manifest.currency)
    return store


def _whole(value: Decimal, what: str) -> int:
    if value != value.to_integral_value():
        raise WorldNotServable(f"{what} is {value}: BigCommerce counts whole units")
    return int(value)


def _add_catalog(store: Store, records: ErpRecords) -> None:
    codes = sorted({row["location"] for row in records.stock_levels})
    created = store.as_of - dt.timedelta(days=365)
    store.locations = [
        Location(id=index, code=code, label=code, time_zone="Europe/Paris", created_at=created)
        for index, code in enumerate(codes, start=1)
    ]
    location_ids = {location.code: location.id for location in store.locations}
    stock_by_sku: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in records.latest_stock():
        stock_by_sku[row["sku"]].append(row)
    prices = _last_unit_prices(records)
    field_id = 1
    for index, item in enumerate(sorted(records.items, key=lambda row: row["sku"])):
        product_id, variant_id = FIRST_PRODUCT_ID + index, FIRST_VARIANT_ID + index
        sku = item["sku"]
        rows = sorted(stock_by_sku.get(sku, []), key=lambda row: row["location"])
        fields = [(LISTED_FIELD, "true" if item["is_marketplace_listed"] else "false")]
        if item["mirakl_shop_sku"]:
            fields.append((SHOP_SKU_FIELD, item["mirakl_shop_sku"]))
        custom_fields = []
        for name, value in fields:
            custom_fields.append(CustomField(field_id, name, value))
            field_id += 1
        stocked_at = max((row["as_of"] for row in rows), default=created)
        store.products[product_id] = Product(
            id=product_id,
            name=item["description"] or sku,
            sku=sku,
            price=prices.get(sku, Decimal("0.00")),
            date_created=created,
            date_modified=max(stocked_at, created),
            base_variant_id=variant_id,
            variant_ids=[variant_id],
            custom_fields=custom_fields,
        )
        store.variants[variant_id] = Variant(
            id=variant_id, product_id=product_id, sku=sku, price=prices.get(sku, Decimal("0.00"))
        )
        units = item["units_per_stock_unit"] or 1
        safety = _whole(item["safety_stock"] or Decimal(0), f"safety stock of {sku}")
        for position, row in enumerate(rows):
            net = _whole(
                (row["on_hand"] - (row["committed"] or 0)) * units,
                f"stock of {sku} at {row['location']}",
            )
            key = (variant_id, location_ids[row["location"]])
            store.stock[key] = Stock(
                variant_id=variant_id,
                location_id=key[1],
                onhand=max(net, 0),
                backordered=max(-net, 0),
                safety_stock=safety if position == 0 else 0,
            )


def _last_unit_prices(records: ErpRecords) -> dict[str, Decimal]:
    created = {row["erp_order_id"]: row["created_at"] for row in records.sales_orders}
    prices: dict[str, tuple[dt.datetime, Decimal]] = {}
    for line in records.sales_order_lines:
        at = created.get(line["erp_order_id"])
        if at is None or line["unit_price"] is None:
            continue
        if line["sku"] not in prices or at > prices[line["sku"]][0]:
            prices[line["sku"]] = (at, line["unit_price"])
    return {sku: price for sku, (_, price) in prices.items()}


def _add_orders(store: Store, records: ErpRecords, currency: str) -> None:
    variant_by_sku = {variant.sku: variant for variant in store.variants.values()}
    fulfilments = defaultdict(list)
    for row in records.fulfilments:
        fulfilments[row["erp_order_id"]].append(row)
    refunds = defaultdict(list)
    for row in records.refunds:
        refunds[row["erp_order_id"]].append(row)
    ordered = sorted(records.sales_orders, key=lambda row: (row["created_at"], row["erp_order_id"]))
    line_id, shipment_id, refund_id = FIRST_ORDER_PRODUCT_ID, FIRST_SHIPMENT_ID, FIRST_REFUND_ID
    for index, row in enumerate(ordered):
        order_id = FIRST_ORDER_ID + index
        shipped = sorted(fulfilments[row["erp_order_id"]], key=lambda f: f["shipped_at"])
        refunded = sorted(refunds[row["erp_order_id"]], key=lambda r: r["created_at"])
        products = []
        for line in sorted(records.lines_of(row["erp_order_id"]), key=lambda r: r["line_number"]):
            variant = variant_by_sku.get(line["sku"])
            quantity = _whole(line["quantity"], f"quantity on {row['erp_order_id']}")
            products.append(
                OrderProduct(
                    id=line_id,
                    order_id=order_id,
                    product_id=variant.product_id if variant else 0,
                    variant_id=variant.id if variant else 0,
                    name=line["sku"],
                    sku=line["sku"],
                    quantity=quantity,
                    price=line["unit_price"] or Decimal(0),
                    total=line["line_amount"] or Decimal(0),
                    quantity_shipped=quantity if shipped else 0,
                )
            )
            line_id += 1
        subtotal = sum((product.total for product in products), Decimal(0))
        events = [row["created_at"], *(f["shipped_at"] for f in shipped)]
        events += [r["created_at"] for r in refunded]
        items_total = sum(product.quantity for product in products)
        store.orders[order_id] = Order(
            id=order_id,
            status_id=STATUS_IDS[row["status"]],
            date_created=row["created_at"],
            date_modified=max(events),
            date_shipped=shipped[0]["shipped_at"] if shipped else None,
            currency_code=row["currency"] or currency,
            subtotal=subtotal,
            shipping=row["total_amount"] - subtotal,
            total=row["total_amount"],
            items_total=items_total,
            items_shipped=items_total if shipped else 0,
            external_order_id=row["marketplace_order_id"],
            external_source="Mirakl" if row["marketplace_order_id"] else None,
            billing_address=_shopper(order_id),
        )
        store.order_products[order_id] = products
        for fulfilment in shipped:
            provider, display = _provider(fulfilment["carrier"])
            store.shipments.setdefault(order_id, []).append(
                Shipment(
                    id=shipment_id,
                    order_id=order_id,
                    date_created=fulfilment["shipped_at"],
                    tracking_number=fulfilment["tracking_number"] or "",
                    shipping_method=fulfilment["carrier"] or "",
                    shipping_provider=provider,
                    shipping_provider_display_name=display,
                    tracking_carrier=AFTERSHIP_SLUGS.get(
                        (fulfilment["carrier"] or "").strip().lower(), ""
                    ),
                    items=[
                        {
                            "order_product_id": p.id,
                            "product_id": p.product_id,
                            "quantity": p.quantity,
                        }
                        for p in products
                    ],
                    shipping_address=_shopper(order_id),
                )
            )
            shipment_id += 1
        for refund in refunded:
            store.refunds.append(
                Refund(
                    id=refund_id,
                    order_id=order_id,
                    created=refund["created_at"],
                    reason=refund["reason"] or "",
                    total_amount=refund["amount"],
                    items=[
                        {
                            "item_type": "ORDER",
                            "item_id": order_id,
                            "quantity": 1,
                            "requested_amount": refund["amount"],
                            "reason": refund["reason"] or "",
                        }
                    ],
                    payments=[
                        {
                            "id": refund_id,
                            "provider_id": "storecredit",
                            "amount": refund["amount"],
                            "offline": True,
                            "is_declined": False,
                            "declined_message": "",
                        }
                    ],
                )
            )
            refund_id += 1


def _provider(carrier: str | None) -> tuple[str, str]:
    name = (carrier or "").strip().lower()
    for key, (provider, display) in PROVIDERS.items():
        if name.startswith(key):
            return provider, display
    return "", (carrier or "").strip()


def _shopper(order_id: int) -> dict[str, Any]:
    # Stand-in shopper details: BigCommerce returns them with every order and shipment.
    return {
        "first_name": "Shopper",
        "last_name": f"No{order_id}",
        "email": f"shopper{order_id}@example.invalid",
        "phone": "+33 1 00 00 00 00",
        "street_1": f"{order_id} rue de l'Exemple",
        "city": "Paris",
        "zip": "75001",
        "country": "France",
        "country_iso2": "FR",
    }
