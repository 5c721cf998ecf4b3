"""The BigCommerce source lands a store into DuckDB through dlt, over HTTP, against the sandbox.

Every test runs the real source in a real dlt pipeline into a DuckDB file, against a
BigCommerce sandbox serving the small demo world's ERP side (tests/conftest.py).
"""

from __future__ import annotations

import datetime as dt
import email.utils
import logging
import traceback
from collections.abc import Iterator
from contextlib import ExitStack
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import dlt
import duckdb
import pytest
import requests
from dlt.pipeline.exceptions import PipelineStepFailed

from ingestion.bigcommerce import (
    BigCommerceApiError,
    BigCommerceAuthError,
    BigCommerceConnectionError,
    bigcommerce_source,
)
from sandbox.bigcommerce import BigCommerceConfig, BigCommerceSandbox
from sandbox.bigcommerce.store import CustomField
from sandbox.world.erp_records import read_erp_records
from sandbox.world.layout import WorldLayout

TOKEN = "bc-test-token-9d41e7"
STORE = "store7"
FAST = {"request_backoff_factor": 0.01, "request_max_retry_delay": 5.0}


class Warehouse:
    def __init__(self, root: Path) -> None:
        self.path = root / "warehouse.duckdb"
        self.pipelines_dir = root / "pipelines"
        self.pipeline = dlt.pipeline(
            pipeline_name="bigcommerce",
            destination=dlt.destinations.duckdb(str(self.path)),
            dataset_name="bigcommerce",
            pipelines_dir=str(self.pipelines_dir),
        )

    def load(self, base_url: str, resources: tuple[str, ...] = (), **arguments: Any):
        source = bigcommerce_source(
            **{
                "store_hash": STORE,
                "access_token": TOKEN,
                "api_base_url": base_url,
                **FAST,
                **arguments,
            }
        )
        if resources:
            source = source.with_resources(*resources)
        return self.pipeline.run(source)

    def rows(self, sql: str, *params: Any) -> list[tuple]:
        with duckdb.connect(str(self.path), read_only=True) as con:
            return con.execute(sql, list(params)).fetchall()

    def count(self, table: str) -> int:
        return self.rows(f"select count(*) from bigcommerce.{table}")[0][0]

    def column_types(self, table: str) -> dict[str, str]:
        return dict(
            self.rows(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = 'bigcommerce' and table_name = ?",
                table,
            )
        )


@pytest.fixture
def warehouse(tmp_path: Path) -> Warehouse:
    return Warehouse(tmp_path)


@pytest.fixture
def serve() -> Iterator[Any]:
    with ExitStack() as stack:

        def start(demo_world: WorldLayout, **config: Any) -> tuple[BigCommerceSandbox, str]:
            options = {"store_hash": STORE, "access_token": TOKEN, "requests_quota": None}
            sandbox = BigCommerceSandbox.from_world(
                demo_world.root, BigCommerceConfig(**{**options, **config})
            )
            return sandbox, stack.enter_context(sandbox.serve())

        yield start


@pytest.fixture(scope="module")
def erp(demo_world: WorldLayout):
    return read_erp_records(demo_world.root)


@pytest.fixture(scope="module")
def landed(demo_world: WorldLayout, tmp_path_factory: pytest.TempPathFactory):
    """One full first run, shared by the tests that only read what it landed."""
    sandbox = BigCommerceSandbox.from_world(
        demo_world.root,
        BigCommerceConfig(store_hash=STORE, access_token=TOKEN, requests_quota=None),
    )
    warehouse = Warehouse(tmp_path_factory.mktemp("bigcommerce-landed"))
    with sandbox.serve() as base_url:
        warehouse.load(base_url, page_size=37)
    return sandbox, warehouse


def requests_to(sandbox: BigCommerceSandbox, fragment: str = "") -> list:
    return [record for record in sandbox.request_log if fragment in record.path]


def order_ids_fetched(sandbox: BigCommerceSandbox, child: str) -> set[int]:
    return {
        int(record.path.split("/")[-2])
        for record in sandbox.request_log
        if "/v2/orders/" in record.path and record.path.endswith(f"/{child}")
    }


# --- a first run ----------------------------------------------------------------------------


def test_a_first_run_lands_the_whole_store_typed(erp, landed):
    _, warehouse = landed

    assert warehouse.count("orders") == len(erp.sales_orders)
    assert warehouse.count("order_products") == len(erp.sales_order_lines)
    assert warehouse.count("shipments") == len(erp.fulfilments)
    assert warehouse.count("refunds") == len(erp.refunds)
    assert warehouse.count("variants") == len(erp.items)
    assert warehouse.count("inventory_items") == len(erp.latest_stock())
    assert warehouse.count("locations") == len({row["location"] for row in erp.stock_levels})

    orders = warehouse.column_types("orders")
    assert orders["total_inc_tax"] == "DECIMAL(18,4)"
    assert orders["date_created"] == orders["date_modified"] == "TIMESTAMP WITH TIME ZONE"
    assert warehouse.column_types("refunds")["total_amount"] == "DECIMAL(18,4)"
    assert warehouse.column_types("refunds")["created"] == "TIMESTAMP WITH TIME ZONE"
    assert warehouse.column_types("order_products")["price_inc_tax"] == "DECIMAL(18,4)"
    assert warehouse.column_types("shipments")["date_created"] == "TIMESTAMP WITH TIME ZONE"
    assert warehouse.column_types("variants")["price"] == "DECIMAL(18,4)"

    landed = {
        external: (created, total)
        for external, created, total in warehouse.rows(
            "select external_order_id, date_created, total_inc_tax from bigcommerce.orders"
        )
    }
    for row in erp.sales_orders:
        created, total = landed[row["marketplace_order_id"]]
        assert created == row["created_at"]
        assert total == row["total_amount"] and isinstance(total, Decimal)
    shipped = dict(
        warehouse.rows("select tracking_number, date_created from bigcommerce.shipments")
    )
    for row in erp.fulfilments:
        assert shipped[row["tracking_number"]] == row["shipped_at"]


def test_shopper_details_are_never_landed(landed):
    _, warehouse = landed
    text_columns = warehouse.rows(
        "select table_name, column_name from information_schema.columns "
        "where table_schema = 'bigcommerce' and data_type = 'VARCHAR'"
    )
    # The sandbox sends a named shopper with an e-mail, phone and street on every order.
    patterns = ("%example.invalid%", "%rue de l%", "%+33 1%", "Shopper%")
    with duckdb.connect(str(warehouse.path), read_only=True) as con:
        for table, column in text_columns:
            condition = " or ".join(f'"{column}" like ?' for _ in patterns)
            sql = f'select count(*) from bigcommerce."{table}" where {condition}'
            leaks = con.execute(sql, list(patterns)).fetchone()[0]
            assert leaks == 0, f"{table}.{column} holds shopper details"
    columns = {column for _, column in text_columns}
    assert not {c for c in columns if "address" in c and c != "billing_country_iso2"}
    assert warehouse.rows("select distinct billing_country_iso2 from bigcommerce.orders") == [
        ("FR",)
    ]


def test_the_item_convention_reads_listing_flag_and_shop_sku_from_custom_fields(
    demo_world, erp, warehouse, serve
):
    _, base_url = serve(demo_world)
    warehouse.load(base_url, resources=("variants",))
    landed = {
        sku: (shop_sku, listed, units)
        for sku, shop_sku, listed, units in warehouse.rows(
            "select sku, shop_sku, is_marketplace_listed, units_per_stock_unit "
            "from bigcommerce.variants"
        )
    }
    for item in erp.items:
        assert landed[item["sku"]] == (
            item["mirakl_shop_sku"] or item["sku"],
            item["is_marketplace_listed"],
            1,
        )


def test_the_convention_is_configurable_case_size_unit_and_variant_fields(
    demo_world, warehouse, serve
):
    sandbox, base_url = serve(demo_world)
    product = next(iter(sandbox.store.products.values()))
    product.custom_fields += [CustomField(901, "pack", "12"), CustomField(902, "uom", "CS")]
    sandbox.store.variants[product.base_variant_id].mpn = "MK-FROM-MPN"
    warehouse.load(
        base_url,
        resources=("variants",),
        case_size_field="custom_field:pack",
        stock_uom_field="uom",
        shop_sku_field="variant:mpn",
        listed_field="product:is_visible",
    )
    rows = warehouse.rows(
        "select sku, shop_sku, units_per_stock_unit, stock_uom, is_marketplace_listed "
        "from bigcommerce.variants order by variant_id"
    )
    assert rows[0] == (product.sku, "MK-FROM-MPN", 12, "CS", True)
    assert all(row[1] == row[0] and row[2] == 1 and row[3] is None for row in rows[1:])


# --- incremental reruns -----------------------------------------------------------------------


def test_a_rerun_duplicates_nothing_and_rereads_only_the_window(demo_world, warehouse, serve):
    sandbox, base_url = serve(demo_world)
    warehouse.load(base_url)
    first = {t: warehouse.count(t) for t in ("orders", "order_products", "shipments", "refunds")}
    newest = warehouse.rows("select max(date_modified) from bigcommerce.orders")[0][0]
    newest_refund = warehouse.rows("select max(created) from bigcommerce.refunds")[0][0]
    sandbox.clear_request_log()

    warehouse.load(base_url)

    assert {t: warehouse.count(t) for t in first} == first
    for table in first:
        assert warehouse.rows(
            f"select count(*) from (select id from bigcommerce.{table} "
            "group by id having count(*) > 1)"
        ) == [(0,)]
    window_start = newest - dt.timedelta(minutes=60)
    orders_call = requests_to(sandbox, "/v2/orders")[0]
    since = email.utils.parsedate_to_datetime(orders_call.query["min_date_modified"][0])
    assert since == window_start
    refunds_call = requests_to(sandbox, "/payment_actions/refunds")[0]
    assert refunds_call.query["created:min"] == [
        (newest_refund - dt.timedelta(minutes=60))
        .isoformat(timespec="milliseconds")
        .replace("+00:00", "Z")
    ]
    in_window = {
        order.id for order in sandbox.store.orders.values() if order.date_modified >= window_start
    }
    assert order_ids_fetched(sandbox, "shipments") == in_window
    assert order_ids_fetched(sandbox, "products") == in_window
    assert len(in_window) < first["orders"] / 4


def test_a_rerun_picks_up_an_order_shipped_since(demo_world, warehouse, serve):
    sandbox, base_url = serve(demo_world)
    warehouse.load(base_url)
    open_order = next(o for o in sandbox.store.orders.values() if o.status_id == 11)
    line = sandbox.store.order_products[open_order.id][0]
    shipped = requests.post(
        f"{base_url}/stores/{STORE}/v2/orders/{open_order.id}/shipments",
        headers={"X-Auth-Token": TOKEN, "Accept": "application/json"},
        json={
            "order_address_id": open_order.id,
            "tracking_number": "TRK-RERUN-1",
            "shipping_method": "GLS",
            "items": [{"order_product_id": line.id, "quantity": line.quantity}],
        },
        timeout=10,
    )
    assert shipped.status_code == 201
    shipments_before = warehouse.count("shipments")
    orders_before = warehouse.count("orders")

    warehouse.load(base_url)

    assert warehouse.count("orders") == orders_before
    assert warehouse.rows(
        "select status_id, status from bigcommerce.orders where id = ?", open_order.id
    ) == [(2, "Shipped")]
    assert warehouse.count("shipments") == shipments_before + 1
    assert warehouse.rows(
        "select order_id, shipping_method from bigcommerce.shipments where tracking_number = ?",
        "TRK-RERUN-1",
    ) == [(open_order.id, "GLS")]


def test_start_date_bounds_the_first_run(demo_world, erp, warehouse, serve):
    _, base_url = serve(demo_world)
    cutoff = sorted(row["created_at"] for row in erp.refunds)[-3]
    warehouse.load(base_url, resources=("refunds",), start_date=cutoff.isoformat())
    assert warehouse.count("refunds") == sum(
        1 for row in erp.refunds if row["created_at"] >= cutoff
    )


# --- quotas, 429 and 204 ----------------------------------------------------------------------


def test_the_source_waits_for_the_quota_to_refresh_instead_of_spending_it(
    demo_world, erp, warehouse, serve
):
    sandbox, base_url = serve(demo_world, requests_quota=60, window_ms=300)
    warehouse.load(base_url)

    statuses = [record.status for record in sandbox.request_log]
    assert 429 not in statuses
    assert len(statuses) > 3 * 60, "the load needs several quota windows"
    assert warehouse.count("shipments") == len(erp.fulfilments)


def test_a_quota_spent_by_another_app_is_waited_out_after_429(demo_world, warehouse, serve):
    sandbox, base_url = serve(demo_world, requests_quota=4, window_ms=700)
    other_app = {"X-Auth-Token": TOKEN}
    for _ in range(4):
        requests.get(
            f"{base_url}/stores/{STORE}/v3/inventory/locations", headers=other_app, timeout=5
        )
    sandbox.clear_request_log()

    warehouse.load(base_url, resources=("locations",))

    assert [record.status for record in sandbox.request_log] == [429, 200]
    assert warehouse.count("locations") == 2


def test_a_quota_that_never_refreshes_ends_the_run_with_a_clear_error(demo_world, warehouse, serve):
    _, base_url = serve(demo_world, requests_quota=1, window_ms=60_000)
    requests.get(
        f"{base_url}/stores/{STORE}/v3/inventory/locations",
        headers={"X-Auth-Token": TOKEN},
        timeout=5,
    )
    with pytest.raises(PipelineStepFailed) as failure:
        warehouse.load(
            base_url, resources=("locations",), max_rate_limit_waits=1, request_max_retry_delay=0.2
        )
    errors = [e for e in _exception_chain(failure.value) if isinstance(e, BigCommerceApiError)]
    assert errors and errors[0].status == 429
    assert "HTTP 429" in str(failure.value) and TOKEN not in str(failure.value)


def test_an_empty_store_answers_204_and_still_lands_every_table(demo_world, warehouse, serve):
    sandbox, base_url = serve(demo_world)
    with sandbox.store.lock:
        sandbox.store.orders.clear()
        sandbox.store.order_products.clear()
        sandbox.store.shipments.clear()
        sandbox.store.refunds.clear()
    warehouse.load(base_url)
    assert [r.status for r in requests_to(sandbox, "/v2/orders")] == [204]
    for table in ("orders", "order_products", "shipments", "refunds"):
        assert warehouse.count(table) == 0


def test_orders_without_shipments_answer_204_and_land_none(erp, landed):
    sandbox, warehouse = landed
    statuses = [r.status for r in sandbox.request_log if r.path.endswith("/shipments")]
    assert statuses.count(204) == len(erp.sales_orders) - len(
        {row["erp_order_id"] for row in erp.fulfilments}
    )
    assert warehouse.count("shipments") == len(erp.fulfilments)


def test_server_errors_cost_retries_not_data(demo_world, erp, warehouse, serve):
    from sandbox.http import FaultPlan

    sandbox, base_url = serve(demo_world, faults=FaultPlan(seed=5, error_rate=0.15))
    warehouse.load(base_url, request_max_attempts=10)
    assert any(record.fault == "error" for record in sandbox.request_log)
    assert warehouse.count("orders") == len(erp.sales_orders)
    assert warehouse.count("shipments") == len(erp.fulfilments)


# --- quarantine -------------------------------------------------------------------------------


def test_unreadable_variants_are_quarantined_and_the_rest_lands(demo_world, erp, warehouse, serve):
    sandbox, base_url = serve(demo_world)
    products = sorted(sandbox.store.products.values(), key=lambda p: p.id)
    products[0].custom_fields.append(CustomField(990, "units_per_stock_unit", "a dozen"))
    sandbox.store.variants[products[1].base_variant_id].sku = ""
    warehouse.load(base_url, resources=("variants",))

    assert warehouse.count("variants") == len(erp.items) - 2
    quarantined = warehouse.rows(
        "select entity, record_ref, reason from bigcommerce.quarantine order by record_ref"
    )
    assert [(entity, ref) for entity, ref, _ in quarantined] == [
        ("variants", f"variant {products[0].base_variant_id}"),
        ("variants", f"variant {products[1].base_variant_id}"),
    ]
    reasons = " | ".join(reason for _, _, reason in quarantined)
    assert "custom_field:units_per_stock_unit is 'a dozen'" in reasons
    assert "has no SKU" in reasons
    # A rerun over the same bad records adds no quarantine rows.
    warehouse.load(base_url, resources=("variants",))
    assert warehouse.count("quarantine") == 2


# --- the token --------------------------------------------------------------------------------


def test_a_rejected_token_ends_the_run_naming_the_setting_and_never_the_token(
    demo_world, warehouse, serve, caplog
):
    sandbox, base_url = serve(demo_world)
    wrong = "wrong-token-77c0de55"
    caplog.set_level(logging.DEBUG)
    with pytest.raises(PipelineStepFailed) as failure:
        warehouse.load(base_url, access_token=wrong)
    chain = _exception_chain(failure.value)
    auth = [error for error in chain if isinstance(error, BigCommerceAuthError)]
    assert auth and auth[0].status == 401
    message = str(failure.value)
    assert "rejected the API account token" in message
    assert "SOURCES__BIGCOMMERCE__ACCESS_TOKEN" in message
    printed = "".join(traceback.format_exception(failure.value))
    for text in (message, printed, caplog.text, *(str(error) for error in chain)):
        assert wrong not in text and TOKEN not in text
    assert all(record.status == 401 for record in sandbox.request_log)


def test_a_token_from_the_environment_is_never_written_down(
    demo_world, warehouse, serve, monkeypatch, caplog
):
    _, base_url = serve(demo_world)
    monkeypatch.setenv("SOURCES__BIGCOMMERCE__STORE_HASH", STORE)
    monkeypatch.setenv("SOURCES__BIGCOMMERCE__ACCESS_TOKEN", TOKEN)
    monkeypatch.setenv("SOURCES__BIGCOMMERCE__API_BASE_URL", base_url)
    caplog.set_level(logging.DEBUG)
    warehouse.pipeline.run(bigcommerce_source(**FAST))
    assert warehouse.count("orders") > 0
    assert TOKEN not in caplog.text + str(warehouse.pipeline.last_trace)
    files = [p for p in warehouse.pipelines_dir.rglob("*") if p.is_file()] + [warehouse.path]
    for path in files:
        assert TOKEN.encode() not in path.read_bytes(), path


def test_an_unreachable_store_is_a_connection_error_without_the_token(warehouse):
    with pytest.raises(PipelineStepFailed) as failure:
        warehouse.load("http://127.0.0.1:9", resources=("locations",), request_max_attempts=1)
    errors = [
        e for e in _exception_chain(failure.value) if isinstance(e, BigCommerceConnectionError)
    ]
    assert errors and TOKEN not in str(failure.value)
    assert urlsplit(str(errors[0]).split(" at ")[-1].split(":", 2)[0] + ":").scheme == "http"


def test_bad_settings_are_refused_before_any_request():
    with pytest.raises(ValueError, match="access token is empty"):
        bigcommerce_source(store_hash=STORE, access_token=" ", api_base_url="http://x")
    with pytest.raises(ValueError, match="page_size"):
        bigcommerce_source(store_hash=STORE, access_token=TOKEN, page_size=500)
    with pytest.raises(ValueError, match="field reference"):
        bigcommerce_source(store_hash=STORE, access_token=TOKEN, shop_sku_field="metafield:x")


def _exception_chain(error: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain
