"""The Magento source, run by dlt into DuckDB against the Magento sandbox over real HTTP.

What it promises:

- every product, source item, order (with items), shipment (with tracks) and credit memo
  lands, page by page, and paging stops on ``total_count``: Magento answers a page past the
  end with the last page again, so a client waiting for an empty page would never stop;
- money and quantities land as DECIMAL, Magento's offset-less UTC timestamps as UTC;
- runs are incremental on ``updated_at`` and idempotent: a rerun re-pulls a window before the
  last update seen and merges it, so a changed order is updated in place, nothing duplicates;
- server errors and dropped connections cost retries, never data;
- admin credentials get a token, and a new one when Magento refuses an expired one;
- a rejected token ends the run with a message naming the setting, never the token;
- a record that cannot be landed is quarantined with the reason, and the others land;
- customer personal data never lands.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import dlt
import duckdb
import pytest
from dlt.pipeline.exceptions import PipelineStepFailed

from ingestion.magento import MagentoAuthError, magento_source
from sandbox.http import FaultPlan
from sandbox.magento import MagentoSandbox, SandboxConfig, magento_time
from sandbox.world.layout import WorldLayout

TOKEN = "integration-token-for-tests-7c2b91"
FAST_RETRIES: dict[str, Any] = {
    "request_timeout": 10.0,
    "request_max_attempts": 8,
    "request_backoff_factor": 0.05,
    "request_max_retry_delay": 2.0,
}
PAGE_SIZE = 25
LISTS = {
    "/rest/V1/products": "products",
    "/rest/V1/inventory/source-items": "source_items",
    "/rest/V1/orders": "orders",
    "/rest/V1/shipments": "shipments",
    "/rest/V1/creditmemos": "credit_memos",
}
# Tables compared between runs.
TABLES = (
    "products",
    "source_items",
    "salable_quantities",
    "orders",
    "orders__items",
    "shipments",
    "shipments__items",
    "shipments__tracks",
    "credit_memos",
    "credit_memos__comments",
)
Serve = Callable[[MagentoSandbox], str]


@dataclass
class Warehouse:
    """A DuckDB file that a dlt pipeline loads the Magento source into."""

    pipeline: dlt.Pipeline
    path: Path
    pipelines_dir: Path

    def load(self, base_url: str, **source_args: Any) -> Any:
        arguments = {
            "base_url": base_url,
            "access_token": TOKEN,
            "page_size": PAGE_SIZE,
            **FAST_RETRIES,
            **source_args,
        }
        return self.pipeline.run(magento_source(**arguments))

    def rows(self, sql: str, *parameters: Any) -> list[tuple[Any, ...]]:
        with duckdb.connect(str(self.path)) as connection:
            return connection.execute(sql, list(parameters)).fetchall()

    def column_types(self, table: str) -> dict[str, str]:
        return {name: kind for name, kind, *_ in self.rows(f"DESCRIBE magento.{table}")}

    def content(self, table: str) -> list[tuple[Any, ...]]:
        """The table's data columns (dlt's bookkeeping and pull times left out), sorted."""
        columns = [
            c for c in self.column_types(table) if not c.startswith("_dlt_") and c != "pulled_at"
        ]
        select = ", ".join(f'"{c}"' for c in sorted(columns))
        return sorted(self.rows(f"SELECT {select} FROM magento.{table}"), key=repr)

    def snapshot(self) -> dict[str, list[tuple[Any, ...]]]:
        return {table: self.content(table) for table in TABLES}

    def count(self, table: str) -> int:
        return self.rows(f"SELECT count(*) FROM magento.{table}")[0][0]


def make_warehouse(tmp_path: Path, name: str) -> Warehouse:
    path = tmp_path / f"{name}.duckdb"
    pipelines_dir = tmp_path / f"{name}_pipelines"
    pipeline = dlt.pipeline(
        pipeline_name=f"magento_{name}",
        pipelines_dir=str(pipelines_dir),
        destination=dlt.destinations.duckdb(str(path)),
        dataset_name="magento",
    )
    return Warehouse(pipeline, path, pipelines_dir)


@pytest.fixture
def warehouse(tmp_path: Path) -> Warehouse:
    return make_warehouse(tmp_path, "warehouse")


def config(**overrides: Any) -> SandboxConfig:
    settings: dict[str, Any] = {"access_token": TOKEN, "integration_token_as_bearer": True}
    settings.update(overrides)
    return SandboxConfig(**settings)


@pytest.fixture
def serve() -> Iterator[Serve]:
    """Serve a sandbox until the test ends: `base_url = serve(sandbox)`."""
    with ExitStack() as stack:
        yield lambda sandbox: stack.enter_context(sandbox.serve())


@pytest.fixture
def sandbox(demo_world: WorldLayout) -> MagentoSandbox:
    """A fresh store on the shared small world (the sandbox copies it: changes stay here)."""
    return MagentoSandbox.from_world(demo_world.root, config=config())


def requests_to(sandbox: MagentoSandbox, path: str) -> list[Any]:
    return [record for record in sandbox.request_log if record.path == path]


def query_value(record: Any, name: str) -> str | None:
    values = record.query.get(name)
    return values[0] if values else None


def _store_counts(sandbox: MagentoSandbox) -> dict[str, int]:
    state = sandbox.state
    return {
        "products": len(state.products),
        "source_items": len(state.source_items),
        "orders": len(state.orders),
        "orders__items": sum(len(order["items"]) for order in state.orders.values()),
        "shipments": len(state.shipments),
        "shipments__tracks": sum(len(s["tracks"]) for s in state.shipments.values()),
        "credit_memos": len(state.credit_memos),
        "credit_memos__comments": sum(len(m["comments"]) for m in state.credit_memos.values()),
        "salable_quantities": len({sku for sku, _ in state.source_items}),
    }


# --- paging -----------------------------------------------------------------------------------


def test_every_list_lands_completely_and_paging_stops_on_total_count(
    sandbox: MagentoSandbox, warehouse: Warehouse, serve: Serve
) -> None:
    warehouse.load(serve(sandbox))

    for table, expected in _store_counts(sandbox).items():
        assert warehouse.count(table) == expected, table
    assert _store_counts(sandbox)["orders"] > 2 * PAGE_SIZE, "the world must need several pages"
    for path, table in LISTS.items():
        pages = [
            int(query_value(record, "searchCriteria[currentPage]") or 0)
            for record in requests_to(sandbox, path)
        ]
        total = _store_counts(sandbox)[table]
        # One request per page, and none past the last: that page would repeat the last one.
        assert pages == list(range(1, -(-total // PAGE_SIZE) + 1)), path
        assert {query_value(r, "searchCriteria[pageSize]") for r in requests_to(sandbox, path)} == {
            str(PAGE_SIZE)
        }


def test_money_lands_as_decimal_and_magentos_timestamps_as_utc(
    sandbox: MagentoSandbox, warehouse: Warehouse, serve: Serve
) -> None:
    warehouse.load(serve(sandbox))

    orders = warehouse.column_types("orders")
    assert orders["grand_total"] == "DECIMAL(18,4)"
    assert orders["created_at"] == orders["updated_at"] == "TIMESTAMP WITH TIME ZONE"
    assert warehouse.column_types("orders__items")["qty_ordered"] == "DECIMAL(18,4)"
    assert warehouse.column_types("source_items")["quantity"] == "DECIMAL(18,4)"
    assert warehouse.column_types("credit_memos")["grand_total"] == "DECIMAL(18,4)"
    assert warehouse.column_types("products")["safety_stock"] == "DECIMAL(18,4)"
    landed = {
        increment_id: (created_at, total)
        for increment_id, created_at, total in warehouse.rows(
            "SELECT increment_id, created_at, grand_total FROM magento.orders"
        )
    }
    for order in sandbox.state.orders.values():
        created_at, total = landed[order["increment_id"]]
        # "2026-04-02 07:15:00" is UTC: the same instant, not shifted by a time zone.
        assert created_at == dt.datetime.fromisoformat(order["created_at"]).replace(tzinfo=dt.UTC)
        assert total == order["grand_total"]


# --- incremental runs -------------------------------------------------------------------------


def test_a_rerun_starts_the_repull_window_before_the_last_update_and_duplicates_nothing(
    sandbox: MagentoSandbox, warehouse: Warehouse, serve: Serve
) -> None:
    base_url = serve(sandbox)
    warehouse.load(base_url)
    first = warehouse.snapshot()
    first_orders = requests_to(sandbox, "/rest/V1/orders")
    assert (
        query_value(first_orders[0], "searchCriteria[filter_groups][0][filters][0][field]") is None
    )

    sandbox.clear_request_log()
    warehouse.load(base_url, repull_window_minutes=90)
    assert warehouse.snapshot() == first

    newest = max(order["updated_at"] for order in sandbox.state.orders.values())
    expected = magento_time(
        dt.datetime.fromisoformat(newest).replace(tzinfo=dt.UTC) - dt.timedelta(minutes=90)
    )
    (rerun,) = requests_to(sandbox, "/rest/V1/orders")[:1]
    prefix = "searchCriteria[filter_groups][0][filters][0]"
    assert query_value(rerun, f"{prefix}[field]") == "updated_at"
    assert query_value(rerun, f"{prefix}[condition_type]") == "gteq"
    assert query_value(rerun, f"{prefix}[value]") == expected
    assert query_value(rerun, "searchCriteria[sortOrders][0][field]") == "entity_id"
    # Only the window was read again.
    assert len(requests_to(sandbox, "/rest/V1/orders")) < len(first_orders)


def test_a_changed_order_and_stock_are_updated_in_place_on_the_next_run(
    sandbox: MagentoSandbox, warehouse: Warehouse, serve: Serve
) -> None:
    base_url = serve(sandbox)
    warehouse.load(base_url)
    orders_before = warehouse.count("orders")
    items_before = warehouse.count("orders__items")
    order = next(o for o in sandbox.state.orders.values() if o["state"] == "complete")
    sandbox.state.touch_order(order["increment_id"], sandbox.now(), state="closed", status="closed")
    (sku, source), item = next(iter(sandbox.state.source_items.items()))
    sandbox.state.set_source_quantity(sku, source, item["quantity"] + 7, sandbox.now())

    warehouse.load(base_url)
    assert warehouse.count("orders") == orders_before
    assert warehouse.count("orders__items") == items_before
    assert warehouse.rows(
        "SELECT state, status FROM magento.orders WHERE increment_id = ?", order["increment_id"]
    ) == [("closed", "closed")]
    assert warehouse.rows(
        "SELECT quantity FROM magento.source_items WHERE sku = ? AND source_code = ?", sku, source
    ) == [(item["quantity"],)]
    assert warehouse.count("source_items") == len(sandbox.state.source_items)


# --- failures ---------------------------------------------------------------------------------


def test_server_errors_and_dropped_connections_cost_retries_not_data(
    demo_world: WorldLayout, tmp_path: Path, serve: Serve
) -> None:
    clean = make_warehouse(tmp_path, "clean")
    clean.load(serve(MagentoSandbox.from_world(demo_world.root, config=config())))
    faults = FaultPlan(seed=5, error_rate=0.15, drop_rate=0.1)
    faulty_store = MagentoSandbox.from_world(demo_world.root, config=config(faults=faults))
    faulty = make_warehouse(tmp_path, "faulty")
    faulty.load(serve(faulty_store))

    statuses = [record.status for record in faulty_store.request_log]
    assert {500, 503} & set(statuses), "server errors should have been injected"
    assert None in statuses, "dropped connections should have been injected"
    assert faulty.snapshot() == clean.snapshot()


def _exception_chain(error: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def test_a_rejected_token_ends_the_run_naming_the_setting_and_never_the_token(
    sandbox: MagentoSandbox,
    warehouse: Warehouse,
    serve: Serve,
    caplog: pytest.LogCaptureFixture,
) -> None:
    wrong = "wrong-token-4e8d10aa"
    caplog.set_level(logging.DEBUG)
    with pytest.raises(PipelineStepFailed) as failure:
        warehouse.load(serve(sandbox), access_token=wrong)

    chain = _exception_chain(failure.value)
    auth = next(error for error in chain if isinstance(error, MagentoAuthError))
    assert auth.status == 401
    message = str(failure.value)
    assert "Magento rejected the access token" in message
    # Magento's placeholders are filled in from its parameters.
    assert "isn't authorized to access Magento_" in message
    assert "SOURCES__MAGENTO__ACCESS_TOKEN" in message and "[sources.magento]" in message
    printed = "".join(traceback.format_exception(failure.value))
    for text in (message, printed, caplog.text, *(str(error) for error in chain)):
        assert wrong not in text
    # A rejected token is not retried.
    assert all(record.status == 401 for record in sandbox.request_log)
    assert len({record.path for record in sandbox.request_log}) == len(sandbox.request_log)


def test_configured_from_the_environment_the_token_is_never_written_down(
    sandbox: MagentoSandbox,
    warehouse: Warehouse,
    serve: Serve,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv("SOURCES__MAGENTO__BASE_URL", serve(sandbox))
    monkeypatch.setenv("SOURCES__MAGENTO__ACCESS_TOKEN", TOKEN)
    caplog.set_level(logging.DEBUG)
    warehouse.pipeline.run(magento_source(**FAST_RETRIES))

    assert warehouse.count("orders") == len(sandbox.state.orders)
    files = [path for path in warehouse.pipelines_dir.rglob("*") if path.is_file()]
    files.append(warehouse.path)
    assert TOKEN not in caplog.text + str(warehouse.pipeline.last_trace)
    for path in files:
        assert TOKEN.encode() not in path.read_bytes(), path


def test_admin_credentials_get_a_token_and_a_new_one_once_it_expires(
    demo_world: WorldLayout, warehouse: Warehouse, serve: Serve
) -> None:
    password = "admin-password-0b5f3e"
    # Tokens that live a fraction of a run: the load meets expired ones along the way.
    store = MagentoSandbox.from_world(
        demo_world.root,
        config=SandboxConfig(
            access_token=None,
            admin_username="recon",
            admin_password=password,
            admin_token_lifetime_seconds=0.3,
        ),
    )
    base_url = serve(store)
    # On a fast machine the whole load may fit in one lifetime: expire the first token once
    # the run is under way, as the clock would on a longer run.
    loading = threading.Event()
    loading.set()

    def expire_once_under_way() -> None:
        while loading.is_set():
            if len(store.request_log) >= 3:
                store.expire_admin_tokens()
                return
            time.sleep(0.001)

    expirer = threading.Thread(target=expire_once_under_way, daemon=True)
    expirer.start()
    warehouse.load(base_url, access_token=None, username="recon", password=password)
    loading.clear()
    expirer.join()

    assert warehouse.count("orders") == len(store.state.orders)
    assert warehouse.count("salable_quantities") == _store_counts(store)["salable_quantities"]
    statuses = [record.status for record in store.request_log]
    token_requests = requests_to(store, "/rest/V1/integration/admin/token")
    assert len(token_requests) >= 2, "the run should have outlived its first token"
    # Each refusal of an expired token cost one new token, then the call went through.
    assert statuses.count(401) == len(token_requests) - 1
    assert all(record.status == 200 for record in token_requests)

    with pytest.raises(PipelineStepFailed) as failure:
        warehouse.load(base_url, access_token=None, username="recon", password="not-it")
    message = str(failure.value)
    assert "rejected the admin credentials" in message and "SOURCES__MAGENTO__USERNAME" in message
    assert "not-it" not in message and password not in message


# --- quarantine and data protection -----------------------------------------------------------


def test_records_that_cannot_be_landed_are_quarantined_and_the_others_land(
    sandbox: MagentoSandbox, warehouse: Warehouse, serve: Serve
) -> None:
    state = sandbox.state
    product = next(iter(state.products.values()))
    for attribute in product["custom_attributes"]:
        if attribute["attribute_code"] == "mirakl_case_size":
            attribute["value"] = "a dozen"
    order = next(iter(state.orders.values()))
    order["updated_at"] = "the day after tomorrow"
    memo = next(iter(state.credit_memos.values()))
    del memo["increment_id"]
    (sku, _), item = next(iter(state.source_items.items()))
    del item["source_code"]
    warehouse.load(serve(sandbox))

    quarantined = {
        entity: (record_ref, reason)
        for entity, record_ref, reason in warehouse.rows(
            "SELECT entity, record_ref, reason FROM magento.quarantine"
        )
    }
    assert set(quarantined) == {"products", "orders", "credit_memos", "source_items"}
    assert quarantined["products"][0] == product["sku"]
    assert (
        "mirakl_case_size" in quarantined["products"][1] and "a dozen" in quarantined["products"][1]
    )
    assert quarantined["orders"][0] == str(order["entity_id"])
    assert "updated_at" in quarantined["orders"][1]
    assert "increment_id" in quarantined["credit_memos"][1]
    assert quarantined["source_items"][0] == f"{sku} at <no source_code>"
    assert "source_code" in quarantined["source_items"][1]

    assert warehouse.count("products") == len(state.products) - 1
    assert warehouse.count("orders") == len(state.orders) - 1
    assert warehouse.count("credit_memos") == len(state.credit_memos) - 1
    assert warehouse.count("source_items") == len(state.source_items) - 1
    # A rerun over the same bad records does not grow the quarantine.
    warehouse.load(serve(sandbox))
    assert warehouse.count("quarantine") == 4


def test_attribute_codes_follow_the_configured_convention(
    sandbox: MagentoSandbox, warehouse: Warehouse, serve: Serve
) -> None:
    renamed = {"mirakl_case_size": "pack_size", "mirakl_listed": "sell_on_marketplace"}
    for product in sandbox.state.products.values():
        for attribute in product["custom_attributes"]:
            attribute["attribute_code"] = renamed.get(
                attribute["attribute_code"], attribute["attribute_code"]
            )
    warehouse.load(
        serve(sandbox),
        attributes={
            "units_per_stock_unit": "pack_size",
            "is_marketplace_listed": "sell_on_marketplace",
        },
    )

    landed = dict(warehouse.rows("SELECT sku, units_per_stock_unit FROM magento.products"))
    listed = dict(warehouse.rows("SELECT sku, is_marketplace_listed FROM magento.products"))
    for sku, product in sandbox.state.products.items():
        values = {a["attribute_code"]: a["value"] for a in product["custom_attributes"]}
        assert landed[sku] == int(values["pack_size"])
        assert listed[sku] is (values["sell_on_marketplace"] == "1")
    assert any(size > 1 for size in landed.values()), "the world has case-pack items"
    with pytest.raises(ValueError, match="unknown key"):
        magento_source(
            base_url="https://shop.example.com", access_token=TOKEN, attributes={"case_size": "x"}
        )


def test_customer_personal_data_never_lands(
    sandbox: MagentoSandbox, warehouse: Warehouse, serve: Serve
) -> None:
    warehouse.load(serve(sandbox))
    personal = ("email", "firstname", "lastname", "street", "telephone", "postcode", "address")
    columns = warehouse.rows(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = 'magento'"
    )
    assert not [(t, c) for t, c in columns if any(word in c for word in personal)]
    order = next(iter(sandbox.state.orders.values()))
    with duckdb.connect(str(warehouse.path)) as connection:
        dump = str(connection.execute("SELECT * FROM magento.orders").fetchall())
    assert order["customer_email"] not in dump
    assert Decimal(0) in {row[0] for row in warehouse.rows("SELECT tax_amount FROM magento.orders")}
