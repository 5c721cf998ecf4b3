"""An operator's marketplace storefront (sandbox/world/operator.py) as one BigCommerce store.

Each product has one variant carrying the SKU; its stock per location is what the integration
last copied from Mirakl. The store has no orders: operator mode reads only catalog and stock.
"""

from __future__ import annotations

import datetime as dt

from sandbox.bigcommerce.store import Location, Product, Stock, Store, Variant
from sandbox.jsonio import parse_timestamp
from sandbox.world.operator import OperatorLayout

FIRST_PRODUCT_ID = 501
FIRST_VARIANT_ID = 5001


def store_from_storefront(layout: OperatorLayout, store_hash: str) -> Store:
    manifest = layout.manifest()
    storefront = layout.storefront()
    as_of: dt.datetime = manifest["as_of"]
    created = as_of - dt.timedelta(days=365)
    store = Store(store_hash=store_hash, as_of=as_of)
    store.locations = [
        Location(id=index, code=code, label=code, time_zone="Europe/Paris", created_at=created)
        for index, code in enumerate(storefront["locations"], start=1)
    ]
    location_ids = {location.code: location.id for location in store.locations}
    for index, entry in enumerate(storefront["products"]):
        product_id, variant_id = FIRST_PRODUCT_ID + index, FIRST_VARIANT_ID + index
        store.products[product_id] = Product(
            id=product_id,
            name=entry["name"],
            sku=entry["sku"],
            price=entry["price"],
            date_created=created,
            date_modified=parse_timestamp(entry["date_modified"]),
            base_variant_id=variant_id,
            variant_ids=[variant_id],
        )
        store.variants[variant_id] = Variant(
            id=variant_id, product_id=product_id, sku=entry["sku"], price=entry["price"]
        )
        for stock in entry["stock"]:
            location_id = location_ids[stock["location"]]
            store.stock[(variant_id, location_id)] = Stock(
                variant_id=variant_id,
                location_id=location_id,
                onhand=int(stock["onhand"]),
                safety_stock=int(stock.get("safety_stock") or 0),
            )
    return store
