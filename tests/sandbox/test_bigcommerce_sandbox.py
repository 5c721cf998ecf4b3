"""The BigCommerce sandbox answers as BigCommerce's V2 and V3 REST APIs do, over real HTTP.

The store is the small demo world's ERP side (tests/conftest.py): every order, shipment,
refund, item and stock figure read back here is compared with the world's own ERP records.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import time
from collections.abc import Iterator
from contextlib import ExitStack
from decimal import Decimal
from typing import Any

import pytest
import requests

from recon.timestamps import parse_utc
from sandbox.bigcommerce import DEMO_FINANCE_SYSTEM, BigCommerceConfig, BigCommerceSandbox
from sandbox.erp_demo import demo_erp_systems, serving_erp
from sandbox.http import FaultPlan
from sandbox.world.erp_records import read_erp_records
from sandbox.world.layout import WorldLayout

TOKEN = "test-token-5f2c"
STORE = "teststore"


class Store:
    """A running sandbox and a session that authenticates as an API account."""

    def __init__(self, sandbox: BigCommerceSandbox, base_url: str) -> None:
        self.sandbox = sandbox
        self.base_url = base_url
        self.session = requests.Session()
        self.session.headers.update({"X-Auth-Token": TOKEN, "Accept": "application/json"})

    def url(self, version: str, path: str) -> str:
        return f"{self.base_url}/stores/{STORE}/{version}{path}"

    def get(self, version: str, path: str, **params: Any) -> requests.Response:
        return self.session.get(self.url(version, path), params=params, timeout=10)


@pytest.fixture
def start(demo_world: WorldLayout) -> Iterator[Any]:
    with ExitStack() as stack:

        def start_store(**config: Any) -> Store:
            options = {"store_hash": STORE, "access_token": TOKEN, "requests_quota": None}
            sandbox = BigCommerceSandbox.from_world(
                demo_world.root, BigCommerceConfig(**{**options, **config})
            )
            store = Store(sandbox, stack.enter_context(sandbox.serve()))
            stack.callback(store.session.close)
            return store

        yield start_store


@pytest.fixture
def store(start) -> Store:
    return start()


@pytest.fixture(scope="module")
def erp(demo_world: WorldLayout):
    return read_erp_records(demo_world.root)


def rfc2822(text: str) -> dt.datetime:
    return email.utils.parsedate_to_datetime(text).astimezone(dt.UTC)


def all_v2(store: Store, path: str, limit: int = 50, **params: Any) -> list[dict[str, Any]]:
    rows, page = [], 1
    while True:
        response = store.get("v2", path, page=page, limit=limit, **params)
        if response.status_code == 204:
            assert response.content == b""
            return rows
        assert response.status_code == 200, response.text
        rows.extend(response.json())
        page += 1


# --- authentication and the errors of each version --------------------------------------------


def test_a_request_without_the_token_is_refused_in_each_versions_error_shape(store):
    v2 = requests.get(store.url("v2", "/orders"), timeout=10)
    v3 = requests.get(store.url("v3", "/catalog/products"), timeout=10)
    assert v2.status_code == v3.status_code == 401
    assert v2.json() == [{"status": 401, "message": v2.json()[0]["message"]}]
    assert set(v3.json()) == {"status", "title", "type", "errors"}
    assert v3.json()["status"] == 401


def test_a_wrong_token_is_refused_without_echoing_it(store):
    wrong = "not-the-token-but-close"
    response = requests.get(store.url("v2", "/orders"), headers={"X-Auth-Token": wrong}, timeout=10)
    assert response.status_code == 401
    assert wrong not in response.text and TOKEN not in response.text


def test_a_token_sent_as_bearer_is_refused_with_a_hint(store):
    response = requests.get(
        store.url("v3", "/catalog/products"),
        headers={"Authorization": f"Bearer {TOKEN}"},
        timeout=10,
    )
    assert response.status_code == 401
    assert "X-Auth-Token" in response.json()["title"]


def test_the_request_log_never_keeps_the_token(store):
    store.get("v2", "/orders", limit=1)
    record = store.sandbox.request_log[-1]
    assert record.headers["X-Auth-Token"] == "[redacted]"
    assert TOKEN not in str(record.to_json())


def test_a_client_refusing_json_gets_406(store):
    response = store.session.get(
        store.url("v2", "/orders"), headers={"Accept": "application/xml"}, timeout=10
    )
    assert response.status_code == 406


def test_unknown_paths_and_methods_answer_in_their_versions_shape(store):
    v2 = store.get("v2", "/no-such-thing")
    v3 = store.get("v3", "/no/such/thing")
    assert v2.status_code == 404 and v2.json()[0]["status"] == 404
    assert v3.status_code == 404 and v3.json()["status"] == 404
    deleted = store.session.delete(store.url("v3", "/catalog/products"), timeout=10)
    assert deleted.status_code == 405 and "GET" in deleted.headers["Allow"]


def test_another_stores_hash_is_not_found(store):
    response = store.session.get(f"{store.base_url}/stores/otherstore/v2/orders", timeout=10)
    assert response.status_code == 404


# --- V2 orders, products, shipments ---------------------------------------------------------


def test_orders_page_as_bare_arrays_and_answer_204_past_the_end(store, erp):
    orders = all_v2(store, "/orders", limit=25)
    assert [order["id"] for order in orders] == sorted({order["id"] for order in orders})
    assert len(orders) == len(erp.sales_orders)
    assert {order["external_order_id"] for order in orders} == {
        row["marketplace_order_id"] for row in erp.sales_orders
    }
    past = store.get("v2", "/orders", page=len(orders) // 25 + 2, limit=25)
    assert past.status_code == 204 and past.content == b""


def test_orders_carry_money_as_four_decimal_strings_and_rfc2822_dates(store, erp):
    by_marketplace_id = {row["marketplace_order_id"]: row for row in erp.sales_orders}
    for order in all_v2(store, "/orders", limit=250):
        world = by_marketplace_id[order["external_order_id"]]
        assert order["total_inc_tax"] == format(
            world["total_amount"].quantize(Decimal("0.0001")), "f"
        )
        assert rfc2822(order["date_created"]) == world["created_at"]
        assert order["date_created"].endswith("+0000")
        assert order["currency_code"] == world["currency"]
        assert rfc2822(order["date_modified"]) >= rfc2822(order["date_created"])


def test_a_page_of_more_than_250_is_refused(store):
    response = store.get("v2", "/orders", limit=251)
    assert response.status_code == 413
    assert response.json()[0]["status"] == 413


def test_min_date_modified_takes_rfc2822_or_iso_8601(store):
    orders = all_v2(store, "/orders", limit=250)
    pivot = sorted(rfc2822(order["date_modified"]) for order in orders)[len(orders) // 2]
    expected = {order["id"] for order in orders if rfc2822(order["date_modified"]) >= pivot}
    as_rfc = all_v2(store, "/orders", min_date_modified=email.utils.format_datetime(pivot))
    as_iso = all_v2(store, "/orders", min_date_modified=pivot.isoformat())
    assert {order["id"] for order in as_rfc} == {order["id"] for order in as_iso} == expected
    assert 0 < len(expected) < len(orders)


def test_an_empty_listing_answers_204(store):
    future = email.utils.format_datetime(dt.datetime(2031, 1, 1, tzinfo=dt.UTC))
    response = store.get("v2", "/orders", min_date_modified=future)
    assert response.status_code == 204 and response.content == b""


def test_a_malformed_date_filter_is_a_400_naming_the_field(store):
    response = store.get("v2", "/orders", min_date_modified="last tuesday")
    assert response.status_code == 400
    assert "min_date_modified" in response.json()[0]["message"]


def test_shipments_carry_tracking_and_an_order_without_any_answers_204(store, erp):
    orders = {o["external_order_id"]: o for o in all_v2(store, "/orders", limit=250)}
    shipped = {row["marketplace_order_id"]: row for row in erp.fulfilments}
    with_shipment = next(mid for mid in orders if mid in shipped)
    without = next(mid for mid in orders if mid not in shipped)
    shipments = store.get("v2", f"/orders/{orders[with_shipment]['id']}/shipments").json()
    world = shipped[with_shipment]
    assert [s["tracking_number"] for s in shipments] == [world["tracking_number"]]
    assert shipments[0]["shipping_method"] == world["carrier"]
    assert {"tracking_carrier", "shipping_provider", "shipping_provider_display_name"} <= set(
        shipments[0]
    )
    assert rfc2822(shipments[0]["date_created"]) == world["shipped_at"]
    empty = store.get("v2", f"/orders/{orders[without]['id']}/shipments")
    assert empty.status_code == 204 and empty.content == b""


def test_order_products_are_the_world_lines(store, erp):
    order = all_v2(store, "/orders", limit=1)[0]
    world_order = next(
        row for row in erp.sales_orders if row["marketplace_order_id"] == order["external_order_id"]
    )
    products = store.get("v2", f"/orders/{order['id']}/products").json()
    lines = erp.lines_of(world_order["erp_order_id"])
    assert sorted((p["sku"], p["quantity"], p["total_inc_tax"]) for p in products) == sorted(
        (line["sku"], int(line["quantity"]), format(line["line_amount"], ".4f")) for line in lines
    )


def test_an_unknown_order_is_a_v2_404(store):
    response = store.get("v2", "/orders/999999/shipments")
    assert response.status_code == 404
    assert response.json() == [{"status": 404, "message": "The requested resource was not found."}]


# --- V3 catalog, inventory, refunds ---------------------------------------------------------


def test_products_page_with_meta_pagination_and_include_variants_and_custom_fields(store, erp):
    first = store.get("v3", "/catalog/products", limit=7, include="variants,custom_fields").json()
    pagination = first["meta"]["pagination"]
    assert pagination["total"] == len(erp.items)
    assert pagination["total_pages"] == -(-len(erp.items) // 7)
    assert pagination["links"]["next"] == "?page=2&limit=7"
    product = first["data"][0]
    assert product["variants"][0]["sku"] == product["sku"]
    fields = {field["name"]: field["value"] for field in product["custom_fields"]}
    world = next(item for item in erp.items if item["sku"] == product["sku"])
    assert fields["mirakl_listed"] == ("true" if world["is_marketplace_listed"] else "false")
    assert fields.get("mirakl_shop_sku") == world["mirakl_shop_sku"]
    plain = store.get("v3", "/catalog/products", limit=1).json()["data"][0]
    assert "variants" not in plain and "custom_fields" not in plain


def test_inventory_holds_each_items_sellable_units_net_of_orders(store, erp):
    items = []
    page = 1
    while True:
        body = store.get("v3", "/inventory/items", page=page, limit=40).json()
        items.extend(body["data"])
        if page >= body["meta"]["pagination"]["total_pages"]:
            break
        page += 1
    by_sku = {item["identity"]["sku"]: item for item in items}
    world_items = {item["sku"]: item for item in erp.items}
    for sku, item in by_sku.items():
        units = world_items[sku]["units_per_stock_unit"]
        latest = [row for row in erp.latest_stock() if row["sku"] == sku]
        expected = sum((row["on_hand"] - row["committed"]) * units for row in latest)
        net = sum(
            loc["total_inventory_onhand"] - loc["qty_backordered"] for loc in item["locations"]
        )
        assert net == expected, sku
        for location in item["locations"]:
            assert location["total_inventory_onhand"] >= 0
            assert location["available_to_sell"] == max(
                0, location["total_inventory_onhand"] - location["settings"]["safety_stock"]
            )
        safety = sum(loc["settings"]["safety_stock"] for loc in item["locations"])
        assert safety == world_items[sku]["safety_stock"]
    assert any(loc["qty_backordered"] > 0 for item in items for loc in item["locations"]), (
        "the world oversells somewhere: backorders must show"
    )


def test_a_products_date_modified_is_its_latest_stock_count(store, erp):
    products = store.get("v3", "/catalog/products", limit=250).json()["data"]
    for product in products:
        counted = [row["as_of"] for row in erp.latest_stock() if row["sku"] == product["sku"]]
        assert parse_utc(product["date_modified"]) == max(counted)


def test_refunds_filter_on_created_min_and_carry_an_empty_meta(store, erp):
    everything = store.get("v3", "/orders/payment_actions/refunds", limit=250).json()
    assert everything["meta"] == {}
    assert len(everything["data"]) == len(erp.refunds)
    pivot = sorted(row["created_at"] for row in erp.refunds)[len(erp.refunds) // 2]
    since = store.get(
        "v3",
        "/orders/payment_actions/refunds",
        **{"created:min": pivot.isoformat().replace("+00:00", "Z")},
    ).json()["data"]
    assert {r["id"] for r in since} == {
        r["id"] for r in everything["data"] if parse_utc(r["created"]) >= pivot
    }
    refund = everything["data"][0]
    assert isinstance(refund["total_amount"], float) and refund["items"][0]["item_type"]


def test_a_malformed_v3_filter_is_a_422_naming_the_field(store):
    response = store.get("v3", "/orders/payment_actions/refunds", **{"created:min": "yesterday"})
    assert response.status_code == 422
    body = response.json()
    assert body["status"] == 422 and "created:min" in body["errors"]


def test_a_refund_page_past_the_end_is_empty_not_204(store):
    response = store.get("v3", "/orders/payment_actions/refunds", page=99, limit=250)
    assert response.status_code == 200 and response.json() == {"data": [], "meta": {}}


# --- the quota ------------------------------------------------------------------------------


def test_the_quota_headers_count_down_then_429_until_the_window_refreshes(start):
    store = start(requests_quota=3, window_ms=600)
    answers = [store.get("v3", "/inventory/locations") for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [int(a.headers["X-Rate-Limit-Requests-Left"]) for a in answers] == [2, 1, 0, 0]
    for answer in answers:
        assert answer.headers["X-Rate-Limit-Requests-Quota"] == "3"
        assert answer.headers["X-Rate-Limit-Time-Window-Ms"] == "600"
    resets = [int(a.headers["X-Rate-Limit-Time-Reset-Ms"]) for a in answers]
    assert resets == sorted(resets, reverse=True) and 0 < resets[-1] <= 600
    assert answers[3].json()["status"] == 429 and "X-Retry-After" in answers[3].headers
    time.sleep(resets[-1] / 1000 + 0.05)
    refreshed = store.get("v3", "/inventory/locations")
    assert refreshed.status_code == 200
    assert refreshed.headers["X-Rate-Limit-Requests-Left"] == "2"


def test_a_v2_429_has_the_v2_error_shape(start):
    store = start(requests_quota=1, window_ms=5000)
    store.get("v2", "/orders", limit=1)
    response = store.get("v2", "/orders", limit=1)
    assert response.status_code == 429
    assert response.json()[0]["status"] == 429


def test_an_unlimited_plan_sends_no_quota_headers(store):
    response = store.get("v3", "/inventory/locations")
    assert "X-Rate-Limit-Requests-Left" not in response.headers


# --- faults and writes ----------------------------------------------------------------------


def test_seeded_faults_answer_5xx_and_are_logged(start):
    store = start(faults=FaultPlan(seed=3, error_rate=1.0))
    response = store.get("v3", "/catalog/products")
    assert response.status_code in (500, 503)
    assert store.sandbox.request_log[-1].fault == "error"


def test_shipping_an_order_moves_it_to_shipped_and_bumps_date_modified(store):
    order = next(o for o in all_v2(store, "/orders", limit=250) if o["status_id"] == 11)
    line = store.get("v2", f"/orders/{order['id']}/products").json()[0]
    created = store.session.post(
        store.url("v2", f"/orders/{order['id']}/shipments"),
        json={
            "order_address_id": order["id"],
            "tracking_number": "TRK-NEW-1",
            "shipping_method": "Colissimo",
            "items": [{"order_product_id": line["id"], "quantity": line["quantity"]}],
        },
        timeout=10,
    )
    assert created.status_code == 201
    after = store.get("v2", f"/orders/{order['id']}").json()
    assert after["status_id"] == 2
    assert rfc2822(after["date_modified"]) > rfc2822(order["date_modified"])
    shipments = store.get("v2", f"/orders/{order['id']}/shipments").json()
    assert [s["tracking_number"] for s in shipments][-1] == "TRK-NEW-1"
    changed = all_v2(store, "/orders", min_date_modified=after["date_modified"])
    assert [o["id"] for o in changed] == [order["id"]]


def test_an_absolute_adjustment_sets_stock_and_touches_the_product(store):
    item = store.get("v3", "/inventory/items", limit=1).json()["data"][0]
    location = item["locations"][0]
    before = store.get("v3", "/catalog/products", **{"id:in": item["identity"]["product_id"]})
    answer = store.session.put(
        store.url("v3", "/inventory/adjustments/absolute"),
        json={
            "reason": "cycle count",
            "items": [
                {
                    "location_id": location["location_id"],
                    "variant_id": item["identity"]["variant_id"],
                    "quantity": 7,
                }
            ],
        },
        timeout=10,
    )
    assert answer.status_code == 200 and answer.json()["transaction_id"]
    again = store.get("v3", "/inventory/items", **{"variant_id:in": item["identity"]["variant_id"]})
    changed = next(
        loc
        for loc in again.json()["data"][0]["locations"]
        if loc["location_id"] == location["location_id"]
    )
    assert changed["total_inventory_onhand"] == 7
    after = store.get("v3", "/catalog/products", **{"id:in": item["identity"]["product_id"]})
    assert after.json()["data"][0]["date_modified"] > before.json()["data"][0]["date_modified"]


def test_a_bad_adjustment_is_a_422_naming_the_item(store):
    answer = store.session.put(
        store.url("v3", "/inventory/adjustments/absolute"),
        json={"items": [{"location_id": 1, "sku": "NO-SUCH-SKU", "quantity": 1}]},
        timeout=10,
    )
    assert answer.status_code == 422 and "items.0" in answer.json()["errors"]


# --- the demo hook --------------------------------------------------------------------------


def test_the_demo_serves_bigcommerce_with_file_finance(demo_world):
    assert "bigcommerce" in demo_erp_systems()
    assert DEMO_FINANCE_SYSTEM == "erp_files"
    with serving_erp("bigcommerce", demo_world.root) as served:
        assert served.erp_system == "bigcommerce"
        assert served.finance_system == "erp_files"
        assert [source.name for source in served.sources] == ["bigcommerce", "erp_files"]
        assert set(served.sources[0].resources) >= {"orders", "shipments", "inventory_items"}
