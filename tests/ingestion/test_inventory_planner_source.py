"""The Inventory Planner source, run by dlt into DuckDB against the sandbox over real HTTP.

What it promises:

- every variant (with its stock per warehouse) and every purchase order (with its items) lands,
  across as many pages as the API splits them into, typed: quantities and money DECIMAL,
  date-times TIMESTAMP WITH TIME ZONE, purchase-order dates DATE;
- a rerun lands the same tables without duplicates, and a changed purchase order is updated
  in place;
- rate limits, server errors and dropped connections cost time, never data;
- a rejected key ends the run with a message naming the setting to fix, never the key;
- a record that cannot be landed is quarantined with the reason, and the others land.
"""

from __future__ import annotations

import copy
import dataclasses
import logging
import traceback
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import dlt
import duckdb
import pytest
from dlt.pipeline.exceptions import PipelineStepFailed

from ingestion.inventory_planner import (
    InventoryPlannerApiError,
    InventoryPlannerAuthError,
    inventory_planner_source,
)
from sandbox.http import FaultPlan
from sandbox.inventory_planner import InventoryPlannerSandbox, PlanningView, SandboxConfig
from sandbox.inventory_planner import planning_view as build_view
from sandbox.world.layout import WorldLayout

API_KEY = "ip-key-for-source-tests-71d2"
ACCOUNT = "acct-source-tests"
FAST_RETRIES: dict[str, Any] = {
    "request_timeout": 10.0,
    "request_max_attempts": 8,
    "request_backoff_factor": 0.05,
    "request_max_retry_delay": 2.0,
}
DECIMAL = "DECIMAL(18,4)"
TIMESTAMP = "TIMESTAMP WITH TIME ZONE"
KEYS = {
    "variants": "id",
    "variants__warehouse": "variant_id, id",
    "purchase_orders": "id",
    "purchase_orders__items": "purchase_order_id, id",
}


@pytest.fixture(scope="module")
def view(demo_world: WorldLayout) -> PlanningView:
    return build_view(demo_world.root)


class Warehouse:
    def __init__(self, root: Path, name: str = "ip") -> None:
        self.path = root / f"{name}.duckdb"
        self.pipelines_dir = root / f"{name}-pipelines"
        self.pipeline = dlt.pipeline(
            pipeline_name="inventory_planner",
            destination=dlt.destinations.duckdb(str(self.path)),
            dataset_name="inventory_planner",
            pipelines_dir=str(self.pipelines_dir),
        )

    def load(self, base_url: str, **arguments: Any) -> Any:
        settings = {"base_url": base_url, "api_key": API_KEY, "account_id": ACCOUNT, **FAST_RETRIES}
        return self.pipeline.run(inventory_planner_source(**{**settings, **arguments}))

    def rows(self, sql: str, *parameters: Any) -> list[tuple[Any, ...]]:
        with duckdb.connect(str(self.path), read_only=True) as con:
            return con.execute(sql, list(parameters)).fetchall()

    def count(self, table: str) -> int:
        return self.rows(f"select count(*) from inventory_planner.{table}")[0][0]

    def types(self, table: str) -> dict[str, str]:
        return dict(
            self.rows(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = 'inventory_planner' and table_name = ?",
                table,
            )
        )

    def snapshot(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every landed table without dlt's bookkeeping columns, in key order."""
        result = {}
        for table, key in KEYS.items():
            columns = [c for c in self.types(table) if not c.startswith("_dlt")]
            result[table] = self.rows(
                f"select {', '.join(columns)} from inventory_planner.{table} order by {key}"
            )
        return result


@pytest.fixture
def serve(view: PlanningView) -> Iterator[Any]:
    contexts = []

    def start(
        sandbox_view: PlanningView | None = None, **config: Any
    ) -> tuple[InventoryPlannerSandbox, str]:
        settings = {"api_key": API_KEY, "account_id": ACCOUNT, **config}
        sandbox = InventoryPlannerSandbox(sandbox_view or view, SandboxConfig(**settings))
        context = sandbox.serve()
        contexts.append(context)
        return sandbox, context.__enter__()

    yield start
    for context in contexts:
        context.__exit__(None, None, None)


def test_every_variant_and_purchase_order_lands_typed_across_pages(
    tmp_path: Path, view: PlanningView, serve
) -> None:
    sandbox, base_url = serve()
    warehouse = Warehouse(tmp_path)
    warehouse.load(base_url, page_size=7)

    assert warehouse.count("variants") == len(view.variants)
    assert warehouse.count("variants__warehouse") == sum(len(v["warehouse"]) for v in view.variants)
    assert warehouse.count("purchase_orders") == len(view.purchase_orders)
    assert warehouse.count("purchase_orders__items") == sum(
        len(order["items"]) for order in view.purchase_orders
    )
    variant_pages = [r for r in sandbox.request_log if r.path == "/api/v1/variants"]
    assert [r.query["page"] for r in variant_pages] == [
        [str(n)] for n in range(-(-len(view.variants) // 7))
    ]
    assert all(r.query["limit"] == ["7"] and "fields" in r.query for r in variant_pages)

    types = warehouse.types("variants")
    for column in ("in_stock", "replenishment", "purchase_orders_qty", "price", "cost_price"):
        assert types[column] == DECIMAL, column
    assert types["forecast_description__sales_velocity1"] == "DECIMAL(18,6)"
    assert types["updated_at"] == types["created_at"] == TIMESTAMP
    assert types["removed"] == "BOOLEAN"
    assert warehouse.types("variants__warehouse")["in_stock"] == DECIMAL
    order_types = warehouse.types("purchase_orders")
    assert order_types["expected_date"] == order_types["created_date"] == "DATE"
    assert order_types["total"] == DECIMAL and order_types["updated_at"] == TIMESTAMP
    assert warehouse.types("purchase_orders__items")["cost_price"] == DECIMAL

    bestseller = view.variant_for(view.bestseller)
    ((in_stock, velocity, updated_at),) = warehouse.rows(
        "select in_stock, forecast_description__sales_velocity1, updated_at "
        "from inventory_planner.variants where id = ?",
        bestseller["id"],
    )
    assert in_stock == Decimal(bestseller["in_stock"])
    assert velocity == bestseller["forecast_description"]["sales_velocity1"]
    assert updated_at.isoformat() == bestseller["updated_at"]
    stock = dict(
        warehouse.rows(
            "select id, in_stock from inventory_planner.variants__warehouse where variant_id = ?",
            bestseller["id"],
        )
    )
    assert stock == {e["id"]: Decimal(e["in_stock"]) for e in bestseller["warehouse"]}


def test_a_rerun_lands_the_same_rows_and_updates_a_changed_order_in_place(
    tmp_path: Path, view: PlanningView, serve
) -> None:
    sandbox, base_url = serve(copy.deepcopy(view))
    warehouse = Warehouse(tmp_path)
    warehouse.load(base_url)
    first = warehouse.snapshot()
    warehouse.load(base_url)
    assert warehouse.snapshot() == first

    # The buyer receives an open order: Inventory Planner closes it.
    order = next(o for o in sandbox.view.purchase_orders if o["status"] == "open")
    order["status"] = "closed"
    order["total_received"] = order["total_ordered"]
    for item in order["items"]:
        item["remaining"] = 0
    warehouse.load(base_url)
    assert warehouse.count("purchase_orders") == len(view.purchase_orders)
    assert warehouse.count("purchase_orders__items") == len(first["purchase_orders__items"])
    assert warehouse.rows(
        "select status, total_received from inventory_planner.purchase_orders where id = ?",
        order["id"],
    ) == [("closed", Decimal(order["total_ordered"]))]
    remaining = warehouse.rows(
        "select sum(remaining) from inventory_planner.purchase_orders__items "
        "where purchase_order_id = ?",
        order["id"],
    )
    assert remaining == [(Decimal(0),)]


def test_rate_limits_and_server_faults_cost_retries_not_data(tmp_path: Path, serve) -> None:
    _, clean_url = serve()
    clean = Warehouse(tmp_path, "clean")
    clean.load(clean_url, page_size=10)

    limited_sandbox, limited_url = serve(
        request_budget=3, budget_window_seconds=1.0, retry_after_seconds=1
    )
    limited = Warehouse(tmp_path, "limited")
    limited.load(limited_url, page_size=10)
    assert 429 in {r.status for r in limited_sandbox.request_log}
    assert limited.snapshot() == clean.snapshot()

    faults = FaultPlan(seed=4, error_rate=0.25, drop_rate=0.15)
    faulty_sandbox, faulty_url = serve(faults=faults)
    faulty = Warehouse(tmp_path, "faulty")
    faulty.load(faulty_url, page_size=10)
    statuses = {r.status for r in faulty_sandbox.request_log}
    assert {500, 503} & statuses and None in statuses
    assert faulty.snapshot() == clean.snapshot()


def _chain(error: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


@pytest.mark.parametrize(
    ("key", "account", "status"),
    [("wrong-key-0c93b1", ACCOUNT, 401), (API_KEY, "wrong-account-55", 403)],
)
def test_rejected_credentials_end_the_run_naming_the_setting_never_the_secret(
    tmp_path: Path, serve, caplog: pytest.LogCaptureFixture, key: str, account: str, status: int
) -> None:
    sandbox, base_url = serve()
    caplog.set_level(logging.DEBUG)
    with pytest.raises(PipelineStepFailed) as failure:
        Warehouse(tmp_path).load(base_url, api_key=key, account_id=account)

    auth = [e for e in _chain(failure.value) if isinstance(e, InventoryPlannerAuthError)]
    assert auth and auth[0].status == status
    message = str(failure.value)
    assert f"HTTP {status}" in message
    assert "SOURCES__INVENTORY_PLANNER__API_KEY" in message
    assert "[sources.inventory_planner]" in message
    printed = "".join(traceback.format_exception(failure.value))
    for text in (message, printed, caplog.text):
        assert key not in text and account not in text
    # A rejected credential is not retried.
    assert [r.status for r in sandbox.request_log] == [status]


def test_a_base_url_outside_the_api_is_refused_by_the_cdn_with_a_hint(
    tmp_path: Path, serve
) -> None:
    _, base_url = serve()
    with pytest.raises(PipelineStepFailed) as failure:
        Warehouse(tmp_path).load(base_url + "/app")
    errors = [e for e in _chain(failure.value) if isinstance(e, InventoryPlannerApiError)]
    assert errors and errors[0].status == 403
    assert not isinstance(errors[0], InventoryPlannerAuthError)
    assert "SOURCES__INVENTORY_PLANNER__BASE_URL" in str(failure.value)


def test_configured_from_the_environment_the_secrets_are_never_written_down(
    tmp_path: Path,
    view: PlanningView,
    serve,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    sandbox, base_url = serve()
    monkeypatch.setenv("SOURCES__INVENTORY_PLANNER__BASE_URL", base_url)
    monkeypatch.setenv("SOURCES__INVENTORY_PLANNER__API_KEY", API_KEY)
    monkeypatch.setenv("SOURCES__INVENTORY_PLANNER__ACCOUNT_ID", ACCOUNT)
    monkeypatch.setenv("SOURCES__INVENTORY_PLANNER__PAGE_SIZE", "25")
    caplog.set_level(logging.DEBUG)
    warehouse = Warehouse(tmp_path)
    warehouse.pipeline.run(inventory_planner_source(**FAST_RETRIES))

    assert warehouse.count("variants") == len(view.variants)
    assert {r.query["limit"][0] for r in sandbox.request_log} == {"25"}
    files = [path for path in warehouse.pipelines_dir.rglob("*") if path.is_file()]
    files.append(warehouse.path)
    for secret in (API_KEY, ACCOUNT):
        assert secret not in caplog.text + str(warehouse.pipeline.last_trace)
        for path in files:
            assert secret.encode() not in path.read_bytes(), path


def test_records_that_cannot_be_landed_are_quarantined_and_the_rest_lands(
    tmp_path: Path, view: PlanningView, serve
) -> None:
    variants = copy.deepcopy(view.variants)
    no_sku = variants[0]
    no_sku["sku"] = ""
    bad_stock = variants[1]
    bad_stock["in_stock"] = "n/a"
    bad_time = variants[2]
    bad_time["updated_at"] = "yesterday"
    keyless = {**copy.deepcopy(variants[3]), "id": None, "sku": "KEYLESS-1"}
    orders = copy.deepcopy(view.purchase_orders)
    orders[0]["items"][0]["id"] = None
    broken = dataclasses.replace(view, variants=[*variants, keyless], purchase_orders=orders)
    _, base_url = serve(broken)
    warehouse = Warehouse(tmp_path)
    warehouse.load(base_url)

    assert warehouse.count("variants") == len(view.variants) - 3
    assert warehouse.count("purchase_orders") == len(view.purchase_orders) - 1
    quarantined = {
        ref: (entity, reason)
        for ref, entity, reason in warehouse.rows(
            "select record_ref, entity, reason from inventory_planner.quarantine"
        )
    }
    assert quarantined[f"variant {no_sku['id']}"][1] == f"variant {no_sku['id']} has no `sku`"
    assert "in_stock 'n/a' is not a number" in quarantined[f"variant {bad_stock['id']}"][1]
    assert "updated_at 'yesterday'" in quarantined[f"variant {bad_time['id']}"][1]
    assert quarantined["<variant without id, sku=KEYLESS-1>"][0] == "variants"
    order_ref = f"purchase order {orders[0]['id']}"
    assert quarantined[order_ref] == ("purchase_orders", f"{order_ref}: item #1 has no `id`")
    assert len(quarantined) == 5

    warehouse.load(base_url)
    assert warehouse.count("quarantine") == 5
    assert warehouse.count("variants") == len(view.variants) - 3
