"""A Magento store's data, built from a demo world's ERP side, in the shapes the REST API serves.

The world is ERP-neutral (``sandbox.world.erp_records``); here it becomes what a Magento 2.4
store with MSI would hold:

- each item is a simple product; case size, safety stock, the Mirakl listing flag and shop
  SKU are product custom attributes (codes in ``ATTRIBUTE_CODES``, the convention the
  Magento source reads by default);
- the latest stock row per SKU and location is an MSI source item (``quantity`` in the
  item's stock unit, ``status`` 1 while there is stock); the world's committed stock is the
  stock's reservations, which Magento deducts from the salable quantity;
- MSI source items carry no timestamp, so a product's ``updated_at`` is when its stock was
  last written: the way a stock sync that saves the product (``PUT /V1/products/{sku}``, an
  import, the admin form) leaves it;
- a sales order is an order whose ``increment_id`` is the ERP order id and whose
  ``ext_order_id`` is the Mirakl order id; a fulfilment is a shipment with one track; a refund
  is an amount-only credit memo (``adjustment_positive``) whose reason is its first comment.

Magento stores and answers every timestamp in UTC as ``YYYY-MM-DD HH:MM:SS`` (no offset, no
fraction), whatever the store's locale (magento2#24985), and leaves null fields out.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from sandbox.world.erp_records import ErpRecords, read_erp_records
from sandbox.world.layout import WorldLayout

Record = dict[str, Any]

# Custom attribute codes the sandbox stores the item master in (see ingestion/magento).
ATTRIBUTE_CODES = {
    "mirakl_shop_sku": "mirakl_shop_sku",
    "is_marketplace_listed": "mirakl_listed",
    "units_per_stock_unit": "mirakl_case_size",
    "safety_stock": "mirakl_safety_stock",
    "stock_uom": "mirakl_stock_uom",
}

# Magento's offline carriers have codes of their own; any other is "custom" with a title.
_CARRIER_CODES = (("ups", "ups"), ("dhl", "dhl"), ("fedex", "fedex"), ("usps", "usps"))

# World status -> Magento (state, status). Magento has no "closed after the return window":
# a finished order stays complete; its closed state means fully refunded.
_ORDER_STATES = {
    "open": ("processing", "processing"),
    "fulfilled": ("complete", "complete"),
    "closed": ("complete", "complete"),
    "cancelled": ("canceled", "canceled"),
}

CREDIT_MEMO_REFUNDED = 2
SOURCE_ITEM_IN_STOCK = 1
SOURCE_ITEM_OUT_OF_STOCK = 0
STORE_ID = 1


def magento_time(moment: dt.datetime) -> str:
    """A timestamp as Magento writes it: UTC, ``YYYY-MM-DD HH:MM:SS``, seconds truncated."""
    if moment.tzinfo is None:
        raise ValueError(f"naive timestamp {moment!r}")
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")


def _compact(record: Record) -> Record:
    # Magento's REST output leaves null fields out.
    return {key: value for key, value in record.items() if value is not None}


def carrier_code(carrier: str) -> str:
    lowered = carrier.lower()
    for needle, code in _CARRIER_CODES:
        if needle in lowered:
            return code
    return "custom"


@dataclass
class MagentoState:
    """One store's data. Handlers hold `lock` while they read or change anything here."""

    as_of: dt.datetime
    stock_id: int
    currency: str
    products: dict[str, Record]
    # Keyed by (sku, source_code).
    source_items: dict[tuple[str, str], Record]
    # Quantity reserved per SKU on the stock (a positive number: Magento stores it negated).
    reservations: dict[str, Decimal]
    orders: dict[int, Record]
    shipments: dict[int, Record]
    credit_memos: dict[int, Record]
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    @classmethod
    def from_world(cls, world_dir: Path, stock_id: int = 1) -> MagentoState:
        layout = WorldLayout(Path(world_dir))
        manifest = layout.read_manifest()
        records = read_erp_records(layout.root)
        return cls.from_records(records, manifest.as_of, manifest.currency, stock_id)

    @classmethod
    def from_records(
        cls, records: ErpRecords, as_of: dt.datetime, currency: str, stock_id: int = 1
    ) -> MagentoState:
        builder = _Builder(records, as_of, currency)
        return cls(
            as_of=as_of,
            stock_id=stock_id,
            currency=currency,
            products=builder.products(),
            source_items=builder.source_items(),
            reservations=builder.reservations(),
            orders=builder.orders,
            shipments=builder.shipments,
            credit_memos=builder.credit_memos,
        )

    # --- reads --------------------------------------------------------------------------------

    def salable_quantity(self, sku: str) -> Decimal:
        """GetProductSalableQty: in-stock source quantity + reservations − threshold (0).

        A product whose stock item is not salable (no source in stock) answers 0.
        """
        in_stock = [
            item["quantity"]
            for (item_sku, _), item in self.source_items.items()
            if item_sku == sku and item["status"] == SOURCE_ITEM_IN_STOCK
        ]
        if not in_stock or sum(in_stock, Decimal(0)) <= 0:
            return Decimal(0)
        return sum(in_stock, Decimal(0)) - self.reservations.get(sku, Decimal(0))

    def order_by_increment_id(self, increment_id: str) -> Record:
        for order in self.orders.values():
            if order["increment_id"] == increment_id:
                return order
        raise KeyError(increment_id)

    # --- changes, as the store would make them ------------------------------------------------

    def touch_order(self, increment_id: str, at: dt.datetime, **changes: Any) -> Record:
        """Change top-level fields of an order, bumping its updated_at to `at`."""
        with self.lock:
            order = self.order_by_increment_id(increment_id)
            order.update(changes)
            order["updated_at"] = magento_time(at)
            return order

    def set_source_quantity(
        self, sku: str, source_code: str, quantity: Decimal, at: dt.datetime
    ) -> Record:
        """Write a source item as a stock sync through the product API does: the product's
        updated_at moves with it."""
        with self.lock:
            item = self.source_items.setdefault(
                (sku, source_code), {"sku": sku, "source_code": source_code}
            )
            item["quantity"] = quantity
            item["status"] = SOURCE_ITEM_IN_STOCK if quantity > 0 else SOURCE_ITEM_OUT_OF_STOCK
            self.products[sku]["updated_at"] = magento_time(at)
            return item


class _Builder:
    """Turns the world's ERP records into Magento records with stable entity ids."""

    def __init__(self, records: ErpRecords, as_of: dt.datetime, currency: str) -> None:
        self.records = records
        self.as_of = as_of
        self.currency = currency
        self.latest_stock = sorted(
            records.latest_stock(), key=lambda row: (row["sku"], row["location"])
        )
        self.earliest = min(
            [row["created_at"] for row in records.sales_orders]
            + [row["as_of"] for row in records.stock_levels]
            + [as_of],
        )
        self.orders: dict[int, Record] = {}
        self.shipments: dict[int, Record] = {}
        self.credit_memos: dict[int, Record] = {}
        self._entity_by_erp_order: dict[str, Record] = {}
        self._build_sales()

    # --- catalogue and stock ------------------------------------------------------------------

    def products(self) -> dict[str, Record]:
        stocked_at: dict[str, dt.datetime] = {}
        for row in self.latest_stock:
            stocked_at[row["sku"]] = max(row["as_of"], stocked_at.get(row["sku"], row["as_of"]))
        last_price: dict[str, Decimal] = {}
        for order in sorted(self.records.sales_orders, key=lambda row: row["created_at"]):
            for line in self.records.lines_of(order["erp_order_id"]):
                if line["unit_price"] is not None:
                    last_price[line["sku"]] = line["unit_price"]
        products: dict[str, Record] = {}
        for product_id, item in enumerate(self.records.items, start=1):
            sku = item["sku"]
            values = {
                ATTRIBUTE_CODES["mirakl_shop_sku"]: item["mirakl_shop_sku"],
                ATTRIBUTE_CODES["is_marketplace_listed"]: "1"
                if item["is_marketplace_listed"]
                else "0",
                ATTRIBUTE_CODES["units_per_stock_unit"]: _text(item["units_per_stock_unit"]),
                ATTRIBUTE_CODES["safety_stock"]: _text(item["safety_stock"]),
                ATTRIBUTE_CODES["stock_uom"]: item["stock_uom"],
            }
            products[sku] = _compact(
                {
                    "id": product_id,
                    "sku": sku,
                    "name": item["description"],
                    "attribute_set_id": 4,
                    "price": last_price.get(sku, Decimal("0")),
                    "status": 1,
                    "visibility": 4,
                    "type_id": "simple",
                    "created_at": magento_time(self.earliest),
                    "updated_at": magento_time(stocked_at.get(sku, self.earliest)),
                    "extension_attributes": {"website_ids": [1]},
                    "custom_attributes": [
                        {"attribute_code": code, "value": value}
                        for code, value in values.items()
                        if value is not None
                    ],
                }
            )
        return products

    def source_items(self) -> dict[tuple[str, str], Record]:
        return {
            (row["sku"], row["location"]): {
                "sku": row["sku"],
                "source_code": row["location"],
                "quantity": row["on_hand"],
                "status": SOURCE_ITEM_IN_STOCK if row["on_hand"] > 0 else SOURCE_ITEM_OUT_OF_STOCK,
            }
            for row in self.latest_stock
        }

    def reservations(self) -> dict[str, Decimal]:
        reserved: dict[str, Decimal] = {}
        for row in self.latest_stock:
            committed = row["committed"] or Decimal(0)
            reserved[row["sku"]] = reserved.get(row["sku"], Decimal(0)) + committed
        return reserved

    # --- sales --------------------------------------------------------------------------------

    def _build_sales(self) -> None:
        records = self.records
        refunds_by_order: dict[str, list[Record]] = {}
        for refund in records.refunds:
            refunds_by_order.setdefault(refund["erp_order_id"], []).append(refund)
        shipped_by_order: dict[str, list[Record]] = {}
        for fulfilment in records.fulfilments:
            shipped_by_order.setdefault(fulfilment["erp_order_id"], []).append(fulfilment)

        item_id = 0
        ordered = sorted(
            records.sales_orders, key=lambda row: (row["created_at"], row["erp_order_id"])
        )
        for entity_id, sales_order in enumerate(ordered, start=1):
            erp_order_id = sales_order["erp_order_id"]
            shipped = shipped_by_order.get(erp_order_id, [])
            refunds = refunds_by_order.get(erp_order_id, [])
            state, status = _ORDER_STATES[sales_order["status"]]
            created = magento_time(sales_order["created_at"])
            updated = magento_time(
                max(
                    [sales_order["created_at"]]
                    + [row["shipped_at"] for row in shipped]
                    + [row["created_at"] for row in refunds]
                )
            )
            items = []
            for line in sorted(records.lines_of(erp_order_id), key=lambda row: row["line_number"]):
                item_id += 1
                quantity = line["quantity"]
                items.append(
                    _compact(
                        {
                            "item_id": item_id,
                            "order_id": entity_id,
                            "sku": line["sku"],
                            "name": line["sku"],
                            "product_type": "simple",
                            "qty_ordered": quantity,
                            "qty_invoiced": quantity,
                            "qty_shipped": quantity if shipped else Decimal(0),
                            "qty_refunded": Decimal(0),
                            "qty_canceled": quantity if state == "canceled" else Decimal(0),
                            "price": line["unit_price"],
                            "base_price": line["unit_price"],
                            "row_total": line["line_amount"],
                            "base_row_total": line["line_amount"],
                            "created_at": created,
                            "updated_at": created,
                        }
                    )
                )
            subtotal = sum((item.get("row_total") or Decimal(0) for item in items), Decimal(0))
            total = sales_order["total_amount"]
            refunded = sum((row["amount"] for row in refunds), Decimal(0))
            order = _compact(
                {
                    "entity_id": entity_id,
                    "increment_id": erp_order_id,
                    "ext_order_id": sales_order["marketplace_order_id"],
                    "state": state,
                    "status": status,
                    "store_id": STORE_ID,
                    "created_at": created,
                    "updated_at": updated,
                    "order_currency_code": sales_order["currency"],
                    "base_currency_code": sales_order["currency"],
                    "grand_total": total,
                    "base_grand_total": total,
                    "subtotal": subtotal,
                    "base_subtotal": subtotal,
                    "shipping_amount": total - subtotal,
                    "tax_amount": Decimal("0"),
                    "discount_amount": Decimal("0"),
                    "total_paid": None if state == "canceled" else total,
                    "total_refunded": refunded or None,
                    "total_qty_ordered": sum((item["qty_ordered"] for item in items), Decimal(0)),
                    "customer_is_guest": 1,
                    # Personal data, as every Magento order carries it; the source never lands it.
                    "customer_email": f"buyer-{entity_id}@example.invalid",
                    "customer_firstname": "Buyer",
                    "customer_lastname": f"Number {entity_id}",
                    "billing_address": {
                        "firstname": "Buyer",
                        "lastname": f"Number {entity_id}",
                        "street": [f"{entity_id} rue de la Paix"],
                        "city": "Paris",
                        "postcode": "75002",
                        "country_id": "FR",
                        "telephone": f"+33 1 00 00 {entity_id % 100:02d} 00",
                    },
                    "payment": {"method": "checkmo"},
                    "items": items,
                }
            )
            self.orders[entity_id] = order
            self._entity_by_erp_order[erp_order_id] = order

        fulfilments = sorted(
            records.fulfilments, key=lambda row: (row["shipped_at"], row["fulfilment_id"])
        )
        for entity_id, fulfilment in enumerate(fulfilments, start=1):
            self.shipments[entity_id] = self._shipment(entity_id, fulfilment)
        refunds = sorted(records.refunds, key=lambda row: (row["created_at"], row["refund_id"]))
        for entity_id, refund in enumerate(refunds, start=1):
            self.credit_memos[entity_id] = self._credit_memo(entity_id, refund)

    def _shipment(self, entity_id: int, fulfilment: Record) -> Record:
        order = self._entity_by_erp_order[fulfilment["erp_order_id"]]
        shipped = magento_time(fulfilment["shipped_at"])
        tracks = []
        if fulfilment["tracking_number"] or fulfilment["carrier"]:
            carrier = fulfilment["carrier"] or ""
            tracks.append(
                _compact(
                    {
                        "entity_id": entity_id,
                        "parent_id": entity_id,
                        "order_id": order["entity_id"],
                        "carrier_code": carrier_code(carrier),
                        "title": carrier or None,
                        "track_number": fulfilment["tracking_number"],
                        "created_at": shipped,
                        "updated_at": shipped,
                    }
                )
            )
        items = [
            _compact(
                {
                    "entity_id": item["item_id"],
                    "parent_id": entity_id,
                    "order_item_id": item["item_id"],
                    "sku": item["sku"],
                    "name": item["name"],
                    "qty": item["qty_ordered"],
                    "price": item.get("price"),
                }
            )
            for item in order["items"]
        ]
        return {
            "entity_id": entity_id,
            "increment_id": fulfilment["fulfilment_id"],
            "order_id": order["entity_id"],
            "store_id": STORE_ID,
            "created_at": shipped,
            "updated_at": shipped,
            "total_qty": sum((item["qty"] for item in items), Decimal(0)),
            "items": items,
            "tracks": tracks,
            "comments": [],
            "packages": [],
        }

    def _credit_memo(self, entity_id: int, refund: Record) -> Record:
        order = self._entity_by_erp_order[refund["erp_order_id"]]
        created = magento_time(refund["created_at"])
        comments = []
        if refund["reason"]:
            comments.append(
                {
                    "entity_id": entity_id,
                    "parent_id": entity_id,
                    "comment": refund["reason"],
                    "created_at": created,
                    "is_customer_notified": 0,
                    "is_visible_on_front": 0,
                }
            )
        amount = refund["amount"]
        return {
            "entity_id": entity_id,
            "increment_id": refund["refund_id"],
            "order_id": order["entity_id"],
            "store_id": STORE_ID,
            "state": CREDIT_MEMO_REFUNDED,
            "order_currency_code": refund["currency"],
            "base_currency_code": refund["currency"],
            "grand_total": amount,
            "base_grand_total": amount,
            "subtotal": Decimal("0"),
            "shipping_amount": Decimal("0"),
            "tax_amount": Decimal("0"),
            "adjustment_positive": amount,
            "adjustment_negative": Decimal("0"),
            "adjustment": amount,
            "created_at": created,
            "updated_at": created,
            "items": [],
            "comments": comments,
        }


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return format(value.normalize() if value == value.to_integral() else value, "f")
    return str(value)
