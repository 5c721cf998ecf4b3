"""How the Inventory Planner sandbox behaves, over real HTTP, and what it serves of a world.

The contract (shared/reference/erp-apis.md §5): the raw API key in `Authorization` plus the
`Account` header; resources under `/api/v1` only; `page`/`limit` paging with a `meta` object;
`fields` allow-list, `<field>_<op>` filters and `<field>_sort`; single reads wrapped in the
singular name; errors as `{"result": {"status": "error", "message": ...}}`.

What it serves: the world's ERP stock in sellable units, velocity from the world's Mirakl
orders, and a few injected planning drifts beside look-alikes that must stay quiet.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests

from sandbox import jsonio
from sandbox.http import FaultPlan
from sandbox.inventory_planner import (
    LOOKALIKES_FILE,
    PLANNING_EXCEPTION_TYPE,
    TRUTH_FILE,
    InventoryPlannerSandbox,
    SandboxConfig,
    planning_view,
    write_planning_truth,
)
from sandbox.world.erp_records import read_erp_records
from sandbox.world.layout import WorldLayout
from sandbox.world.truth import read_lookalikes, read_truth

API_KEY = "ip-key-for-tests-5e0b"
ACCOUNT = "acct-778"
HEADERS = {"Authorization": API_KEY, "Account": ACCOUNT}


class Running:
    def __init__(self, sandbox: InventoryPlannerSandbox, base_url: str) -> None:
        self.sandbox = sandbox
        self.base_url = base_url
        self.session = requests.Session()
        self.session.headers.update(HEADERS)

    def get(self, path: str, params: Any = None, **kwargs: Any) -> requests.Response:
        return self.session.get(
            self.base_url + "/api/v1" + path, params=params, timeout=10, **kwargs
        )


@pytest.fixture
def start(demo_world: WorldLayout) -> Iterator[Any]:
    started = []

    def run(**config: Any) -> Running:
        settings = {"api_key": API_KEY, "account_id": ACCOUNT, **config}
        sandbox = InventoryPlannerSandbox.from_world(demo_world.root, SandboxConfig(**settings))
        context = sandbox.serve()
        running = Running(sandbox, context.__enter__())
        started.append((context, running))
        return running

    yield run
    for context, running in started:
        running.session.close()
        context.__exit__(None, None, None)


@pytest.fixture
def ip(start) -> Running:
    return start()


def body(response: requests.Response) -> Any:
    return jsonio.loads(response.content)


def error_message(response: requests.Response) -> str:
    payload = body(response)
    assert set(payload) == {"result"}, payload
    assert payload["result"]["status"] == "error"
    return payload["result"]["message"]


def all_pages(ip: Running, path: str, name: str, limit: int, **params: Any) -> list[dict]:
    items, page = [], 0
    while True:
        payload = body(ip.get(path, {**params, "page": page, "limit": limit}))
        items += payload[name]
        if payload["meta"]["end"]:
            return items
        page += 1


def erp_units(world: WorldLayout) -> dict[str, dict[str, Decimal]]:
    """The ERP's latest stock free to sell (on-hand − committed) per SKU and location, in
    sellable units: what Inventory Planner syncs from the system it is connected to."""
    records = read_erp_records(world.root)
    units = {row["sku"]: row["units_per_stock_unit"] for row in records.items}
    latest: dict[str, dict[str, Decimal]] = defaultdict(dict)
    for row in records.latest_stock():
        committed = row["committed"] or Decimal(0)
        latest[row["sku"]][row["location"]] = (row["on_hand"] - committed) * units[row["sku"]]
    return {sku: latest.get(sku, {}) for sku in units}


def mirakl_units_30d(world: WorldLayout) -> dict[str, int]:
    as_of = world.read_manifest().as_of
    sold: dict[str, int] = defaultdict(int)
    for order in world.read_mirakl("orders"):
        for line in order["order_lines"]:
            created = jsonio.parse_timestamp(line["created_date"])
            if line["order_line_state"] not in ("REFUSED", "CANCELED") and (
                as_of - dt.timedelta(days=30) < created <= as_of
            ):
                sold[line["offer_sku"]] += line["quantity"]
    return sold


# --- what it serves of the world ---------------------------------------------------------------


def test_stock_is_the_erp_latest_available_in_sellable_units_except_the_injected_drifts(
    demo_world: WorldLayout,
) -> None:
    view = planning_view(demo_world.root)
    erp = erp_units(demo_world)
    lookalikes = dict((entity, description) for description, entity in view.lookalikes)
    assert len(view.drifts) >= 3
    assert not set(view.drifts) & set(lookalikes)
    live = [v for v in view.variants if not v["removed"] and v["sku"] in erp]
    assert len(live) == len(erp) - 1, "every ERP item but the untracked one has a live variant"
    for variant in live:
        sku = variant["sku"]
        by_warehouse = {entry["id"]: entry["in_stock"] for entry in variant["warehouse"]}
        assert variant["in_stock"] == sum(by_warehouse.values()), sku
        if sku in view.drifts:
            assert variant["in_stock"] != sum(erp[sku].values()), sku
        elif lookalikes.get(sku) == "stock moved between warehouses, total unchanged":
            assert by_warehouse != erp[sku] and variant["in_stock"] == sum(erp[sku].values())
        else:
            assert by_warehouse == erp[sku], sku
    described = set(lookalikes.values())
    assert {
        "case-pack SKU counted in sellable units",
        "removed duplicate variant with stale stock",
        "planning-only bundle with no ERP item",
        "ERP item the planning tool does not track",
    } <= described
    # One drift is a planning tool counting cases where the ERP's cases hold many units.
    units = {
        row["sku"]: row["units_per_stock_unit"] for row in read_erp_records(demo_world.root).items
    }
    assert any(units[sku] > 1 for sku in view.drifts)


def test_velocity_comes_from_the_world_mirakl_sales_plus_other_channels(
    demo_world: WorldLayout,
) -> None:
    view = planning_view(demo_world.root)
    mirakl = mirakl_units_30d(demo_world)
    shop_sku = {
        row["sku"]: row["mirakl_shop_sku"] or row["sku"]
        for row in read_erp_records(demo_world.root).items
    }
    sold_somewhere = 0
    for variant in view.variants:
        if variant["removed"] or variant["sku"] not in shop_sku:
            continue
        velocity = variant["forecast_description"]["sales_velocity1"]
        assert variant["last_30_days_sales"] >= mirakl.get(shop_sku[variant["sku"]], 0)
        if variant["sku"] != view.bestseller:
            assert velocity == (Decimal(variant["last_30_days_sales"]) / 30).quantize(
                Decimal("0.0001")
            )
        sold_somewhere += variant["last_30_days_sales"] > 0
    assert sold_somewhere > len(view.variants) // 2
    # The designed bestseller: a stock mismatch over-listed on Mirakl, fast on every channel.
    assert view.bestseller is not None
    mismatched = {
        entity for kind, entity in read_truth(demo_world.truth_path) if kind == "stock_mismatch"
    }
    assert shop_sku[view.bestseller] in mismatched
    assert view.variant_for(view.bestseller)["forecast_description"]["sales_velocity1"] >= 5


def test_the_view_is_deterministic_for_a_world(demo_world: WorldLayout) -> None:
    assert planning_view(demo_world.root) == planning_view(demo_world.root)


def test_open_purchase_orders_are_the_variants_on_order_quantities(ip: Running) -> None:
    orders = all_pages(ip, "/purchase-orders", "purchase-orders", 100)
    assert {order["status"] for order in orders} == {"open", "closed"}
    on_order: dict[str, int] = defaultdict(int)
    for order in orders:
        items = body(ip.get(f"/purchase-orders/{order['id']}/items"))["items"]
        assert items == order["items"]
        assert order["total_ordered"] - order["total_received"] == sum(
            i["remaining"] for i in items
        )
        if order["status"] == "open":
            for item in items:
                on_order[item["sku"]] += item["remaining"]
    variants = all_pages(ip, "/variants", "variants", 100, removed_eq="false")
    assert on_order
    for variant in variants:
        assert variant["purchase_orders_qty"] == on_order.get(variant["sku"], 0), variant["sku"]


def test_planning_truth_is_written_beside_the_world_truth(tmp_path: Path, demo_world) -> None:
    view = planning_view(demo_world.root)
    write_planning_truth(view, tmp_path)
    truth = read_truth(tmp_path / TRUTH_FILE)
    assert truth == {(PLANNING_EXCEPTION_TYPE, sku) for sku in view.drifts}
    lookalikes = read_lookalikes(tmp_path / LOOKALIKES_FILE)
    assert {entity for _, _, entity in lookalikes} == {entity for _, entity in view.lookalikes}
    with (tmp_path / TRUTH_FILE).open() as handle:
        assert next(csv.reader(handle)) == ["exception_type", "entity_id"]


# --- paging, fields, filters, sorting ------------------------------------------------------------


def test_pages_count_from_zero_with_meta_until_end(ip: Running) -> None:
    total = len(ip.sandbox.view.variants)
    first = body(ip.get("/variants", {"limit": 7}))
    assert first["meta"] == {"start": 0, "limit": 7, "count": 7, "total": total, "end": False}
    assert body(ip.get("/variants", {"limit": 7, "page": 0})) == first
    items = all_pages(ip, "/variants", "variants", 7)
    assert [v["id"] for v in items] == sorted(v["id"] for v in ip.sandbox.view.variants)
    last_page = (total - 1) // 7
    last = body(ip.get("/variants", {"limit": 7, "page": last_page}))
    assert last["meta"]["end"] is True and last["meta"]["start"] == last_page * 7
    beyond = body(ip.get("/variants", {"limit": 7, "page": last_page + 1}))
    assert beyond["variants"] == [] and beyond["meta"]["end"] is True


def test_default_page_is_100_and_limit_above_1000_is_refused(ip: Running) -> None:
    assert body(ip.get("/variants"))["meta"]["limit"] == 100
    refused = ip.get("/variants", {"limit": 1001})
    assert refused.status_code == 400
    assert "1000" in error_message(refused)
    assert ip.get("/variants", {"page": -1}).status_code == 400
    assert ip.get("/variants", {"page": "two"}).status_code == 400


def test_fields_is_an_allow_list(ip: Running) -> None:
    payload = body(ip.get("/variants", {"fields": "id,sku,in_stock", "limit": 5}))
    assert all(set(v) == {"id", "sku", "in_stock"} for v in payload["variants"])
    variant_id = payload["variants"][0]["id"]
    single = body(ip.get(f"/variants/{variant_id}", {"fields": "sku,warehouse"}))
    assert set(single) == {"variant"} and set(single["variant"]) == {"sku", "warehouse"}
    assert ip.get("/variants", {"fields": "*"}).status_code == 400


def test_filters_and_sorting(ip: Running) -> None:
    sku = ip.sandbox.view.bestseller
    found = body(ip.get("/variants", {"sku_eqi": sku.lower(), "removed_eq": "false"}))
    assert [v["sku"] for v in found["variants"]] == [sku] and found["meta"]["total"] == 1
    removed = body(ip.get("/variants", {"removed_eq": "true"}))["variants"]
    assert removed and all(v["removed"] for v in removed)
    ordered = body(
        ip.get("/variants", {"replenishment_gt": 0, "replenishment_sort": "desc", "limit": 1000})
    )["variants"]
    quantities = [v["replenishment"] for v in ordered]
    assert quantities and min(quantities) > 0 and quantities == sorted(quantities, reverse=True)
    unknown = ip.get("/variants", {"colour_eq": "red"})
    assert unknown.status_code == 400 and "colour" in error_message(unknown)
    assert ip.get("/variants", {"in_stock_sort": "up"}).status_code == 400


def test_single_reads_wrap_the_object_and_unknown_ids_are_404(ip: Running) -> None:
    order = ip.sandbox.view.purchase_orders[0]
    assert body(ip.get(f"/purchase-orders/{order['id']}")) == {"purchase-order": order}
    missing = ip.get("/variants/does-not-exist")
    assert missing.status_code == 404
    assert "does-not-exist" in error_message(missing)


def test_variants_cannot_be_written(ip: Running) -> None:
    refused = ip.session.post(ip.base_url + "/api/v1/variants", json={"variant": {}}, timeout=10)
    assert refused.status_code == 405
    assert "CSV" in error_message(refused)


# --- authentication, CDN, errors -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "status", "hint"),
    [
        ({"Account": ACCOUNT}, 401, "Authorization header"),
        ({"Authorization": f"Bearer {API_KEY}", "Account": ACCOUNT}, 401, "without 'Bearer'"),
        ({"Authorization": "not-the-key", "Account": ACCOUNT}, 401, "Invalid API key"),
        ({"Authorization": API_KEY}, 401, "Account header"),
        ({"Authorization": API_KEY, "Account": "someone-else"}, 403, "no access"),
    ],
)
def test_the_raw_key_and_the_account_header_are_required(
    ip: Running, headers: dict[str, str], status: int, hint: str
) -> None:
    response = requests.get(ip.base_url + "/api/v1/variants", headers=headers, timeout=10)
    assert response.status_code == status
    message = error_message(response)
    assert hint in message
    assert API_KEY not in message and "not-the-key" not in message


def test_the_request_log_never_holds_the_key_or_the_account(ip: Running) -> None:
    ip.get("/variants", {"limit": 1})
    (record,) = ip.sandbox.request_log
    assert record.headers["Authorization"] == "[redacted]"
    assert record.headers["Account"] == "[redacted]"
    assert API_KEY not in str(record.to_json()) and ACCOUNT not in str(record.to_json())


def test_only_api_v1_with_a_user_agent_gets_past_the_cdn(ip: Running) -> None:
    outside = ip.session.get(ip.base_url + "/api/v2/variants", timeout=10)
    assert outside.status_code == 403
    assert outside.headers["Content-Type"].startswith("text/html")
    no_agent = ip.get("/variants", headers={"User-Agent": ""})
    assert no_agent.status_code == 403 and "Access denied" in no_agent.text


def test_a_spent_budget_answers_429_with_retry_after(start) -> None:
    ip = start(request_budget=2, budget_window_seconds=60.0, retry_after_seconds=3)
    assert [ip.get("/variants").status_code for _ in range(2)] == [200, 200]
    limited = ip.get("/variants")
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "3"
    assert "Too many requests" in error_message(limited)


def test_injected_faults_answer_with_the_result_error_body(start) -> None:
    ip = start(faults=FaultPlan(seed=3, error_rate=1.0))
    response = ip.get("/variants")
    assert response.status_code in (500, 503)
    assert error_message(response)
    assert ip.sandbox.request_log[-1].fault == "error"
