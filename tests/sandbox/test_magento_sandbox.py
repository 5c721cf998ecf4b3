"""The Magento sandbox speaks Magento 2's REST contract over real HTTP.

What it promises:

- every call needs a Bearer token: an admin token from ``POST /V1/integration/admin/token``
  (expiring) or the integration token when the store allows it as a Bearer token; anything
  else is a 401 naming the ACL resource, in Magento's ``{message, parameters}`` body;
- list endpoints read ``searchCriteria`` (filter groups AND, filters OR, condition types,
  sort orders, pageSize/currentPage) and answer ``items``, the echoed criteria and
  ``total_count``; a page past the end answers the last page again;
- the world's ERP side is served in Magento's shapes: orders with ``ext_order_id`` and items,
  shipments with tracks, credit memos, MSI source items and salable quantities, timestamps in
  UTC as ``YYYY-MM-DD HH:MM:SS``, null fields left out.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from decimal import Decimal
from typing import Any

import pytest
import requests

from sandbox.http import FaultPlan
from sandbox.magento import MagentoSandbox, SandboxConfig, magento_time
from sandbox.world.erp_records import read_erp_records
from sandbox.world.layout import WorldLayout

TOKEN = "integration-token-for-tests-5d1e"
# World status -> Magento state: Magento has no closing after the return window.
MAGENTO_STATES = {
    "open": "processing",
    "fulfilled": "complete",
    "closed": "complete",
    "cancelled": "canceled",
}
MAGENTO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")

Start = Callable[..., tuple[MagentoSandbox, "Api"]]


class Api:
    """A session against one sandbox's ``/rest/V1``."""

    def __init__(self, base_url: str, token: str | None = TOKEN) -> None:
        self.base_url = base_url
        self.session = requests.Session()
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"

    def get(self, path: str, params: Any = None, prefix: str = "/rest/V1") -> requests.Response:
        return self.session.get(self.base_url + prefix + path, params=params, timeout=10)

    def post(self, path: str, json: Any) -> requests.Response:
        return self.session.post(self.base_url + "/rest/V1" + path, json=json, timeout=10)

    def search(self, path: str, **criteria: Any) -> dict[str, Any]:
        response = self.get(path, criteria_params(**criteria))
        assert response.status_code == 200, response.text
        return response.json()


def criteria_params(
    filters: list[list[tuple[str, Any, str]]] | None = None,
    sort: list[tuple[str, str]] | None = None,
    page_size: int | None = None,
    page: int | None = None,
) -> dict[str, Any]:
    params: dict[str, Any] = {"searchCriteria": ""}
    for g, group in enumerate(filters or []):
        for f, (field, value, condition) in enumerate(group):
            prefix = f"searchCriteria[filter_groups][{g}][filters][{f}]"
            params[f"{prefix}[field]"] = field
            params[f"{prefix}[value]"] = value
            params[f"{prefix}[condition_type]"] = condition
    for s, (field, direction) in enumerate(sort or []):
        params[f"searchCriteria[sortOrders][{s}][field]"] = field
        params[f"searchCriteria[sortOrders][{s}][direction]"] = direction
    if page_size is not None:
        params["searchCriteria[pageSize]"] = page_size
    if page is not None:
        params["searchCriteria[currentPage]"] = page
    return params


@pytest.fixture
def start(demo_world: WorldLayout) -> Iterator[Start]:
    with ExitStack() as stack:

        def start_sandbox(**config: Any) -> tuple[MagentoSandbox, Api]:
            settings = {"access_token": TOKEN, "integration_token_as_bearer": True, **config}
            sandbox = MagentoSandbox.from_world(demo_world.root, config=SandboxConfig(**settings))
            base_url = stack.enter_context(sandbox.serve())
            api = Api(base_url)
            stack.callback(api.session.close)
            return sandbox, api

        yield start_sandbox


@pytest.fixture
def magento(start: Start) -> tuple[MagentoSandbox, Api]:
    return start()


# --- authentication ---------------------------------------------------------------------------


def test_a_call_without_a_valid_token_is_refused_naming_the_resource(magento) -> None:
    sandbox, api = magento
    for token in (None, "not-the-token"):
        anonymous = Api(api.base_url, token=token)
        for path, resource in (
            ("/orders", "Magento_Sales::sales"),
            ("/products", "Magento_Catalog::products"),
            ("/inventory/source-items", "Magento_InventoryApi::source"),
        ):
            response = anonymous.get(path, {"searchCriteria[pageSize]": 1})
            assert response.status_code == 401
            assert response.json() == {
                "message": "The consumer isn't authorized to access %resources.",
                "parameters": {"resources": resource},
            }
    # The log keeps the request but never the token.
    assert all(
        record.headers.get("Authorization", "[redacted]") == "[redacted]"
        for record in sandbox.request_log
    )


def test_an_integration_token_is_a_bearer_token_only_where_the_store_allows_it(start) -> None:
    _, api = start(integration_token_as_bearer=False)
    response = api.get("/orders", {"searchCriteria[pageSize]": 1})
    assert response.status_code == 401
    _, allowed = start(integration_token_as_bearer=True)
    assert allowed.get("/orders", {"searchCriteria[pageSize]": 1}).status_code == 200


def test_an_admin_token_is_issued_for_the_right_password_and_expires(start) -> None:
    sandbox, api = start(access_token=None, admin_username="ops", admin_password="s3cret-pw")
    refused = api.post("/integration/admin/token", {"username": "ops", "password": "wrong"})
    assert refused.status_code == 401
    assert "sign-in was incorrect" in refused.json()["message"]

    issued = api.post("/integration/admin/token", {"username": "ops", "password": "s3cret-pw"})
    assert issued.status_code == 200
    token = issued.json()
    assert isinstance(token, str) and token
    admin = Api(api.base_url, token=token)
    assert admin.get("/orders", {"searchCriteria[pageSize]": 1}).status_code == 200

    sandbox.expire_admin_tokens()
    assert admin.get("/orders", {"searchCriteria[pageSize]": 1}).status_code == 401
    # The password never reaches the request log.
    token_requests = [r for r in sandbox.request_log if r.path.endswith("/admin/token")]
    assert token_requests and all(b"s3cret-pw" not in (r.body or b"") for r in token_requests)


# --- searchCriteria ---------------------------------------------------------------------------


def test_list_endpoints_require_search_criteria(magento) -> None:
    _, api = magento
    response = api.get("/orders")
    assert response.status_code == 400
    assert response.json() == {
        "message": '"%fieldName" is required. Enter and try again.',
        "parameters": {"fieldName": "searchCriteria"},
    }


def test_updated_at_filters_select_exactly_the_orders_updated_since(magento) -> None:
    sandbox, api = magento
    orders = list(sandbox.state.orders.values())
    stamps = sorted({order["updated_at"] for order in orders})
    since = stamps[len(stamps) // 2]
    for condition, keep in (("gteq", lambda s: s >= since), ("gt", lambda s: s > since)):
        body = api.search("/orders", filters=[[("updated_at", since, condition)]])
        expected = {o["increment_id"] for o in orders if keep(o["updated_at"])}
        assert {item["increment_id"] for item in body["items"]} == expected
        assert body["total_count"] == len(expected)
        assert body["search_criteria"]["filter_groups"] == [
            {"filters": [{"field": "updated_at", "value": since, "condition_type": condition}]}
        ]


def test_filters_in_a_group_are_or_and_groups_are_and(magento) -> None:
    sandbox, api = magento
    orders = sorted(sandbox.state.orders.values(), key=lambda order: order["entity_id"])
    first, second = orders[0]["increment_id"], orders[1]["increment_id"]
    either = api.search(
        "/orders", filters=[[("increment_id", first, "eq"), ("increment_id", second, "eq")]]
    )
    assert {item["increment_id"] for item in either["items"]} == {first, second}
    both = api.search(
        "/orders", filters=[[("increment_id", first, "eq")], [("increment_id", second, "eq")]]
    )
    assert both["items"] == [] and both["total_count"] == 0
    listed = api.search("/orders", filters=[[("increment_id", f"{first},{second}", "in")]])
    assert listed["total_count"] == 2
    # Text compares case-insensitively, as MySQL's default collation does.
    lowered = api.search("/orders", filters=[[("increment_id", first.lower(), "eq")]])
    assert [item["increment_id"] for item in lowered["items"]] == [first]
    liked = api.search("/orders", filters=[[("ext_order_id", "%-A", "like")]])
    marketplace = [o for o in orders if str(o.get("ext_order_id", "")).endswith("-A")]
    assert liked["total_count"] == len(marketplace) > 0


def test_sort_orders_and_pages_walk_the_whole_list(magento) -> None:
    sandbox, api = magento
    total = len(sandbox.state.orders)
    seen: list[int] = []
    page = 1
    while True:
        body = api.search(
            "/orders", sort=[("created_at", "DESC"), ("entity_id", "ASC")], page_size=25, page=page
        )
        assert body["total_count"] == total
        seen.extend(item["entity_id"] for item in body["items"])
        if page * 25 >= body["total_count"]:
            break
        page += 1
    assert len(seen) == len(set(seen)) == total
    created = [sandbox.state.orders[entity_id]["created_at"] for entity_id in seen]
    assert created == sorted(created, reverse=True)


def test_a_page_past_the_end_answers_the_last_page_again(start) -> None:
    sandbox, api = start()
    total = len(sandbox.state.orders)
    size = 40
    last_page = -(-total // size)
    last = api.search("/orders", page_size=size, page=last_page)
    past = api.search("/orders", page_size=size, page=last_page + 3)
    assert past["items"] == last["items"] != []
    assert past["total_count"] == total
    # A client looping until an empty page would never stop; where the store answers
    # empty pages (the quirk fixed), it gets one.
    _, fixed = start(repeat_last_page_past_end=False)
    assert fixed.search("/orders", page_size=size, page=last_page + 3)["items"] == []


def test_without_a_page_size_everything_comes_at_once_unless_input_limits_are_on(start) -> None:
    sandbox, api = start()
    assert len(api.search("/orders")["items"]) == len(sandbox.state.orders)
    _, limited = start(input_limits_enabled=True, max_page_size=50, default_page_size=20)
    assert len(limited.search("/orders")["items"]) == 20
    too_big = limited.get("/orders", criteria_params(page_size=51))
    assert too_big.status_code == 400
    assert too_big.json() == {
        "message": "Maximum SearchCriteria pageSize is %max",
        "parameters": {"max": 50},
    }


# --- errors -----------------------------------------------------------------------------------


def test_errors_answer_in_magentos_body(magento) -> None:
    _, api = magento
    route = api.get("/nowhere")
    assert route.status_code == 404
    assert route.json() == {"message": "Request does not match any route."}
    missing = api.get("/orders/999999")
    assert missing.status_code == 404
    assert "doesn't exist" in missing.json()["message"]
    # Magento's database layer fails on an unknown column; production mode hides it.
    unknown = api.get("/orders", criteria_params(filters=[[("no_such_column", "1", "eq")]]))
    assert unknown.status_code == 500
    assert unknown.json()["message"].startswith("Internal Error. Details are available")
    store = api.get("/orders", criteria_params(page_size=1), prefix="/rest/nowhere/V1")
    assert store.status_code == 400
    assert api.get("/orders", criteria_params(page_size=1), prefix="/rest/default/V1").ok


def test_injected_server_errors_carry_a_magento_body(start) -> None:
    sandbox, api = start(faults=FaultPlan(seed=3, error_rate=1.0))
    response = api.get("/orders", criteria_params(page_size=1))
    assert response.status_code in (500, 503)
    assert "message" in response.json()
    assert sandbox.request_log[-1].fault == "error"


# --- the world in Magento's shapes ------------------------------------------------------------


def test_orders_carry_the_marketplace_order_id_items_and_utc_timestamps(
    magento, demo_world: WorldLayout
) -> None:
    _, api = magento
    records = read_erp_records(demo_world.root)
    orders = {item["increment_id"]: item for item in api.search("/orders")["items"]}
    assert set(orders) == {row["erp_order_id"] for row in records.sales_orders}
    for row in records.sales_orders:
        order = orders[row["erp_order_id"]]
        assert order.get("ext_order_id") == row["marketplace_order_id"]
        assert Decimal(str(order["grand_total"])) == row["total_amount"]
        assert order["created_at"] == magento_time(row["created_at"])
        assert (
            MAGENTO_TIME.match(order["updated_at"]) and order["updated_at"] >= order["created_at"]
        )
        assert order["state"] == MAGENTO_STATES[row["status"]]
        lines = records.lines_of(row["erp_order_id"])
        assert [(item["sku"], Decimal(str(item["qty_ordered"]))) for item in order["items"]] == [
            (line["sku"], line["quantity"])
            for line in sorted(lines, key=lambda x: x["line_number"])
        ]
        assert all(item["order_id"] == order["entity_id"] for item in order["items"])
        # Magento leaves null fields out.
        assert None not in order.values()


def test_shipments_carry_tracks_and_credit_memos_the_refunded_total(
    magento, demo_world: WorldLayout
) -> None:
    sandbox, api = magento
    records = read_erp_records(demo_world.root)
    by_entity = {order["entity_id"]: order for order in sandbox.state.orders.values()}
    shipments = {item["increment_id"]: item for item in api.search("/shipments")["items"]}
    assert set(shipments) == {row["fulfilment_id"] for row in records.fulfilments}
    for row in records.fulfilments:
        shipment = shipments[row["fulfilment_id"]]
        assert by_entity[shipment["order_id"]]["increment_id"] == row["erp_order_id"]
        (track,) = shipment["tracks"]
        assert (track["title"], track["track_number"]) == (row["carrier"], row["tracking_number"])
        assert track["carrier_code"] in {"ups", "dhl", "fedex", "usps", "custom"}
        assert track["parent_id"] == shipment["entity_id"]
    memos = {item["increment_id"]: item for item in api.search("/creditmemos")["items"]}
    assert set(memos) == {row["refund_id"] for row in records.refunds}
    for row in records.refunds:
        memo = memos[row["refund_id"]]
        assert Decimal(str(memo["grand_total"])) == row["amount"]
        assert by_entity[memo["order_id"]]["increment_id"] == row["erp_order_id"]
        assert memo["created_at"] == magento_time(row["created_at"])


def test_source_items_are_the_latest_stock_and_salable_quantity_deducts_reservations(
    magento, demo_world: WorldLayout
) -> None:
    _, api = magento
    latest = read_erp_records(demo_world.root).latest_stock()
    items = api.search("/inventory/source-items", sort=[("sku", "ASC")])["items"]
    assert {(i["sku"], i["source_code"]): Decimal(str(i["quantity"])) for i in items} == {
        (row["sku"], row["location"]): row["on_hand"] for row in latest
    }
    assert all(i["status"] == (1 if Decimal(str(i["quantity"])) > 0 else 0) for i in items)
    by_sku: dict[str, list[dict[str, Any]]] = {}
    for row in latest:
        by_sku.setdefault(row["sku"], []).append(row)
    for sku, rows in list(by_sku.items())[:15]:
        response = api.get(f"/inventory/get-product-salable-quantity/{sku}/1")
        assert response.status_code == 200
        in_stock = sum((row["on_hand"] for row in rows if row["on_hand"] > 0), Decimal(0))
        reserved = sum((row["committed"] or Decimal(0) for row in rows), Decimal(0))
        expected = in_stock - reserved if in_stock > 0 else Decimal(0)
        assert Decimal(response.text) == expected, sku
    unknown_stock = api.get(f"/inventory/get-product-salable-quantity/{sku}/9")
    assert unknown_stock.status_code == 404
    assert unknown_stock.json()["parameters"] == {"fieldName": "stock_id", "fieldValue": "9"}


def test_products_hold_the_item_master_in_custom_attributes(magento, demo_world) -> None:
    _, api = magento
    items = {row["sku"]: row for row in read_erp_records(demo_world.root).items}
    products = api.search("/products")["items"]
    assert {product["sku"] for product in products} == set(items)
    for product in products:
        attributes = {a["attribute_code"]: a["value"] for a in product["custom_attributes"]}
        item = items[product["sku"]]
        assert attributes["mirakl_case_size"] == str(item["units_per_stock_unit"])
        assert attributes["mirakl_listed"] == ("1" if item["is_marketplace_listed"] else "0")
        assert attributes.get("mirakl_shop_sku") == item["mirakl_shop_sku"]
    listed = api.search("/products", filters=[[("mirakl_listed", "1", "eq")]])
    assert listed["total_count"] == sum(
        1 for item in items.values() if item["is_marketplace_listed"]
    )


def test_a_changed_order_moves_its_updated_at_on_the_sandbox_clock(magento) -> None:
    sandbox, api = magento
    order = next(iter(sandbox.state.orders.values()))
    changed = sandbox.state.touch_order(
        order["increment_id"], sandbox.now(), state="canceled", status="canceled"
    )
    assert changed["updated_at"] >= magento_time(sandbox.state.as_of)
    body = api.search(
        "/orders", filters=[[("updated_at", magento_time(sandbox.state.as_of), "gteq")]]
    )
    assert order["increment_id"] in {item["increment_id"] for item in body["items"]}
    assert sandbox.now() - sandbox.state.as_of < dt.timedelta(minutes=5)
