"""One BigCommerce store's data, typed (aware datetimes, Decimal money), version-neutral.

The V2 and V3 handlers render these records in each API version's own wire format (see
`wire.py`). Handlers hold `lock` while they read or change anything here.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

# V2 order statuses (BigCommerce's status_id table).
ORDER_STATUSES: dict[int, str] = {
    0: "Incomplete",
    1: "Pending",
    2: "Shipped",
    3: "Partially Shipped",
    4: "Refunded",
    5: "Cancelled",
    6: "Declined",
    7: "Awaiting Payment",
    8: "Awaiting Pickup",
    9: "Awaiting Shipment",
    10: "Completed",
    11: "Awaiting Fulfillment",
    12: "Manual Verification Required",
    13: "Disputed",
    14: "Partially Refunded",
}


@dataclass
class Location:
    id: int
    code: str
    label: str
    time_zone: str
    created_at: dt.datetime
    enabled: bool = True


@dataclass
class CustomField:
    id: int
    name: str
    value: str


@dataclass
class Product:
    id: int
    name: str
    sku: str
    price: Decimal
    date_created: dt.datetime
    date_modified: dt.datetime
    base_variant_id: int
    variant_ids: list[int]
    custom_fields: list[CustomField] = field(default_factory=list)
    # "product" for a product without options (its base variant carries the stock),
    # "variant" when each variant is stocked, "none" when stock is not tracked.
    inventory_tracking: str = "product"
    is_visible: bool = True
    mpn: str = ""
    upc: str = ""


@dataclass
class Variant:
    id: int
    product_id: int
    sku: str
    price: Decimal
    cost_price: Decimal = Decimal("0")
    mpn: str = ""
    upc: str = ""
    gtin: str = ""
    bin_picking_number: str = ""
    purchasing_disabled: bool = False
    option_values: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Stock:
    """A variant's inventory at one location, in the variant's own unit."""

    variant_id: int
    location_id: int
    onhand: int
    safety_stock: int = 0
    # Units sold beyond what was on hand (BigCommerce backorders): on-hand never goes below 0.
    backordered: int = 0
    warning_level: int = 0

    @property
    def available_to_sell(self) -> int:
        return max(0, self.onhand - self.safety_stock)


@dataclass
class Order:
    id: int
    status_id: int
    date_created: dt.datetime
    date_modified: dt.datetime
    currency_code: str
    subtotal: Decimal
    shipping: Decimal
    total: Decimal
    items_total: int
    items_shipped: int
    external_order_id: str | None = None
    external_source: str | None = None
    date_shipped: dt.datetime | None = None
    customer_id: int = 0
    channel_id: int = 1
    # Shopper details, served as BigCommerce serves them; never landed by the source.
    billing_address: dict[str, Any] = field(default_factory=dict)


@dataclass
class OrderProduct:
    id: int
    order_id: int
    product_id: int
    variant_id: int
    name: str
    sku: str
    quantity: int
    price: Decimal
    total: Decimal
    quantity_shipped: int = 0
    quantity_refunded: int = 0


@dataclass
class Shipment:
    id: int
    order_id: int
    date_created: dt.datetime
    tracking_number: str
    shipping_method: str
    shipping_provider: str
    shipping_provider_display_name: str
    tracking_carrier: str
    items: list[dict[str, int]]
    shipping_address: dict[str, Any] = field(default_factory=dict)


@dataclass
class Refund:
    id: int
    order_id: int
    created: dt.datetime
    reason: str
    total_amount: Decimal
    items: list[dict[str, Any]]
    payments: list[dict[str, Any]]
    total_tax: Decimal = Decimal("0")


@dataclass
class Store:
    """A store as its APIs see it."""

    store_hash: str
    as_of: dt.datetime
    locations: list[Location] = field(default_factory=list)
    products: dict[int, Product] = field(default_factory=dict)
    variants: dict[int, Variant] = field(default_factory=dict)
    stock: dict[tuple[int, int], Stock] = field(default_factory=dict)
    orders: dict[int, Order] = field(default_factory=dict)
    order_products: dict[int, list[OrderProduct]] = field(default_factory=dict)
    shipments: dict[int, list[Shipment]] = field(default_factory=dict)
    refunds: list[Refund] = field(default_factory=list)
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    def location(self, location_id: int) -> Location:
        return next(location for location in self.locations if location.id == location_id)

    def stock_of(self, variant_id: int) -> list[Stock]:
        return [self.stock[key] for key in sorted(self.stock) if key[0] == variant_id]

    def inventory_level(self, variant_id: int) -> int:
        return sum(stock.available_to_sell for stock in self.stock_of(variant_id))

    def next_id(self, records: list[Any], start: int) -> int:
        return 1 + max((record.id for record in records), default=start - 1)
