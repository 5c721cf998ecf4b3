"""The NetSuite source against the NetSuite sandbox: real HTTP, real dlt loads, real DuckDB files.

Each test serves the shared small demo world (seed 7, scale 0.15) from a fresh sandbox account
in Paris time and loads it with `netsuite_source` into its own DuckDB file.
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

from ingestion.netsuite import NetSuiteAuthError, NetSuiteConnectionError, netsuite_source
from ingestion.netsuite.auth import signature_base_string
from sandbox.http import FaultPlan
from sandbox.netsuite import NetSuiteSandbox, SandboxConfig
from sandbox.world.erp_records import read_erp_records
from sandbox.world.layout import WorldLayout

SECRETS = {
    "consumer_key": "ck-5c1e3b0f9a7d4e2b8c6a",
    "consumer_secret": "cs-9f2d7a4c1b8e6d3a0f5c",
    "token_id": "ti-3a8c5e1f7b2d9c4a6e0b",
    "token_secret": "ts-7e4b1d9a3c6f0e8b2a5d",
}
ACCOUNT = "1234567_SB1"
PARIS = "Europe/Paris"
FAST_RETRIES: dict[str, Any] = {
    "request_timeout": 10.0,
    "request_max_attempts": 8,
    "request_backoff_factor": 0.05,
    "request_max_retry_delay": 1.0,
}
TABLES = (
    "items",
    "stock_levels",
    "sales_orders",
    "sales_order_lines",
    "fulfilments",
    "refunds",
    "ledger_entries",
    "deposits",
)
KEYS = {
    "items": "item_id",
    "stock_levels": "item_id, location_id, counted_at",
    "sales_orders": "transaction_id",
    "sales_order_lines": "transaction_id, line_id",
    "fulfilments": "transaction_id",
    "refunds": "transaction_id",
    "ledger_entries": "transaction_id, line_id, accounting_book_id",
    "deposits": "transaction_id",
}


@dataclass
class Warehouse:
    pipeline: dlt.Pipeline
    path: Path
    pipelines_dir: Path

    def rows(self, sql: str, *parameters: Any) -> list[tuple[Any, ...]]:
        with duckdb.connect(str(self.path), read_only=True) as connection:
            return connection.execute(sql, list(parameters)).fetchall()

    def count(self, table: str) -> int:
        return self.rows(f"SELECT count(*) FROM netsuite.{table}")[0][0]

    def types(self, table: str) -> dict[str, str]:
        return {name: kind for name, kind, *_ in self.rows(f"DESCRIBE netsuite.{table}")}


@pytest.fixture
def warehouse(tmp_path: Path) -> Warehouse:
    path = tmp_path / "landing.duckdb"
    pipelines_dir = tmp_path / "pipelines"
    pipeline = dlt.pipeline(
        pipeline_name="netsuite_test",
        pipelines_dir=str(pipelines_dir),
        destination=dlt.destinations.duckdb(str(path)),
        dataset_name="netsuite",
    )
    return Warehouse(pipeline, path, pipelines_dir)


@dataclass
class Served:
    sandbox: NetSuiteSandbox
    base_url: str

    def source(self, **options: Any):
        arguments = {
            "account_id": ACCOUNT,
            "account_timezone": PARIS,
            "base_url": self.base_url,
            "stock_counted_at_field": "lastinvtcountdate",
            **SECRETS,
            **FAST_RETRIES,
            **options,
        }
        return netsuite_source(**arguments)

    def suiteql_requests(self) -> list[Any]:
        return [r for r in self.sandbox.request_log if r.path.endswith("/suiteql")]


@pytest.fixture
def serve(demo_world: WorldLayout) -> Iterator[Callable[..., Served]]:
    with ExitStack() as stack:

        def start(**config: Any) -> Served:
            settings = SandboxConfig(account_id=ACCOUNT, timezone=PARIS, **SECRETS, **config)
            sandbox = NetSuiteSandbox.from_world(demo_world.root, config=settings)
            return Served(sandbox, stack.enter_context(sandbox.serve()))

        yield start


def _chain(error: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


# --- signing ----------------------------------------------------------------------------------


def test_the_signature_base_string_is_rfc_5849s() -> None:
    # RFC 5849 section 3.4.1.1: the worked example, body parameters included.
    base = signature_base_string(
        "POST",
        "http://example.com/request?b5=%3D%253D&a3=a&c%40=&a2=r%20b",
        {
            "realm": "Example",
            "oauth_consumer_key": "9djdj82h48djs9d2",
            "oauth_token": "kkk9d7dh3k39sjv7",
            "oauth_signature_method": "HMAC-SHA1",
            "oauth_timestamp": "137131201",
            "oauth_nonce": "7d8f3e4a",
        },
        extra_params=[("c2", ""), ("a3", "2 q")],
    )
    assert base == (
        "POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q%26a3%3Da%26b5%3D"
        "%253D%25253D%26c%2540%3D%26c2%3D%26oauth_consumer_key%3D9djdj82h48djs9d2%26oauth_nonce"
        "%3D7d8f3e4a%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D137131201%26"
        "oauth_token%3Dkkk9d7dh3k39sjv7"
    )


# --- a full load ------------------------------------------------------------------------------


def test_a_first_run_lands_the_world_typed(
    serve: Callable[..., Served], warehouse: Warehouse, demo_world: WorldLayout
) -> None:
    served = serve()
    warehouse.pipeline.run(served.source())
    world = read_erp_records(demo_world.root)

    counts = {table: warehouse.count(table) for table in TABLES}
    assert counts == {
        "items": len(world.items),
        "stock_levels": len(world.latest_stock()),
        "sales_orders": len(world.sales_orders),
        "sales_order_lines": len(world.sales_order_lines),
        "fulfilments": len(world.fulfilments),
        "refunds": len(world.refunds),
        "ledger_entries": len(world.ledger_entries),
        "deposits": len(world.bank_deposits),
    }
    assert warehouse.rows(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'quarantine'"
    ) == [(0,)]

    types = warehouse.types("sales_orders")
    assert types["total_amount"].startswith("DECIMAL")
    assert types["created_at"] == "TIMESTAMP WITH TIME ZONE"
    assert types["tran_date"] == "DATE"
    assert warehouse.types("items")["is_marketplace_listed"] == "BOOLEAN"
    assert warehouse.types("stock_levels")["on_hand"].startswith("DECIMAL")

    # Times arrive in Paris time as strings and land as the world's UTC instants.
    landed = dict(warehouse.rows("SELECT tran_id, created_at FROM netsuite.sales_orders"))
    for order in world.sales_orders:
        assert landed[order["erp_order_id"]] == order["created_at"].replace(microsecond=0)
    items = {
        sku: (shop_sku, units, safety, listed)
        for sku, shop_sku, units, safety, listed in warehouse.rows(
            "SELECT sku, mirakl_shop_sku, units_per_stock_unit, safety_stock, "
            "is_marketplace_listed FROM netsuite.items"
        )
    }
    for item in world.items:
        assert items[item["sku"]] == (
            item["mirakl_shop_sku"],
            item["units_per_stock_unit"],
            item["safety_stock"],
            item["is_marketplace_listed"],
        )
    # Values land as NetSuite keeps them: sales lines negative, tracking attached.
    assert warehouse.rows("SELECT max(quantity) < 0 FROM netsuite.sales_order_lines") == [(True,)]
    tracking = dict(warehouse.rows("SELECT tran_id, tracking_numbers FROM netsuite.fulfilments"))
    assert tracking == {f["fulfilment_id"]: f["tracking_number"] for f in world.fulfilments}
    assert sum(
        Decimal(debit or 0) - Decimal(credit or 0)
        for debit, credit in warehouse.rows("SELECT debit, credit FROM netsuite.ledger_entries")
    ) == Decimal(0)


def test_a_rerun_adds_no_duplicates_and_picks_up_a_change(
    serve: Callable[..., Served], warehouse: Warehouse
) -> None:
    served = serve()
    warehouse.pipeline.run(served.source())
    first = {table: warehouse.count(table) for table in TABLES}
    served.sandbox.clear_request_log()

    warehouse.pipeline.run(served.source())
    assert {table: warehouse.count(table) for table in TABLES} == first
    for table, key in KEYS.items():
        assert warehouse.rows(
            f"SELECT count(*) FROM (SELECT {key} FROM netsuite.{table} GROUP BY ALL "
            "HAVING count(*) > 1)"
        ) == [(0,)], table
    # The rerun asked only for what changed since the last run, less the re-pull window.
    bodies = [record.body.decode() for record in served.suiteql_requests()]
    assert all("TO_TIMESTAMP" in body for body in bodies if "lastmodifieddate" in body)
    assert (
        warehouse.pipeline.last_trace.last_normalize_info.row_counts.get("sales_orders", 0)
        < first["sales_orders"] / 2
    )

    # A user edits an order's total and a line's quantity in NetSuite.
    (order_id,) = warehouse.rows(
        "SELECT transaction_id FROM netsuite.sales_orders WHERE tran_id = 'SO200004'"
    )[0]
    served.sandbox.update_records("transaction", {"id": order_id}, foreigntotal=Decimal("999.99"))
    served.sandbox.update_records(
        "transactionline", {"transaction": order_id, "id": 2}, quantity=Decimal("-5")
    )
    warehouse.pipeline.run(served.source())
    assert {table: warehouse.count(table) for table in TABLES} == first
    assert warehouse.rows(
        "SELECT total_amount FROM netsuite.sales_orders WHERE tran_id = 'SO200004'"
    ) == [(Decimal("999.99"),)]
    assert warehouse.rows(
        "SELECT line_id, quantity FROM netsuite.sales_order_lines "
        "WHERE order_tran_id = 'SO200004' ORDER BY line_id"
    ) == [(1, Decimal("-3")), (2, Decimal("-5"))]


def test_a_query_beyond_netsuites_paging_limit_continues_after_the_last_key(
    serve: Callable[..., Served], warehouse: Warehouse, demo_world: WorldLayout
) -> None:
    served = serve(max_results=20)
    warehouse.pipeline.run(served.source(page_size=10, max_results_per_query=20))
    world = read_erp_records(demo_world.root)
    assert warehouse.count("items") == len(world.items)
    assert warehouse.count("ledger_entries") == len(world.ledger_entries)
    assert warehouse.count("sales_order_lines") == len(world.sales_order_lines)
    restarts = [r for r in served.suiteql_requests() if b"item.id >" in (r.body or b"")]
    assert restarts, "the items query should have restarted after the last item id"
    assert all(r.status == 200 for r in served.suiteql_requests())


# --- resilience -------------------------------------------------------------------------------


def test_a_concurrency_refusal_is_waited_out_with_backoff(
    serve: Callable[..., Served], warehouse: Warehouse, caplog: pytest.LogCaptureFixture
) -> None:
    served = serve(concurrency_limit=1)
    caplog.set_level(logging.WARNING, logger="ingestion.netsuite")
    held = threading.Event()

    def another_integration() -> None:
        # Holds the account's only slot until the load has been refused once (however long
        # the load takes to start on a busy machine), then a moment more, then lets go.
        with served.sandbox.hold_slots(1):
            held.set()
            deadline = time.monotonic() + 30
            while served.sandbox.concurrency_refusals < 1 and time.monotonic() < deadline:
                time.sleep(0.05)
            time.sleep(0.3)

    other = threading.Thread(target=another_integration)
    other.start()
    held.wait(5)
    warehouse.pipeline.run(served.source())
    other.join()

    refusals = served.sandbox.concurrency_refusals
    assert refusals >= 1
    statuses = [record.status for record in served.suiteql_requests()]
    assert statuses[:refusals] == [429] * refusals
    assert set(statuses[refusals:]) == {200}
    assert warehouse.count("sales_orders") > 0
    assert "concurrency limit reached" in caplog.text


def test_a_concurrency_refusal_that_never_clears_ends_the_run_saying_so(
    serve: Callable[..., Served], warehouse: Warehouse
) -> None:
    served = serve(concurrency_limit=1)
    with served.sandbox.hold_slots(1), pytest.raises(PipelineStepFailed) as failure:
        warehouse.pipeline.run(served.source(request_max_attempts=3))
    errors = [e for e in _chain(failure.value) if isinstance(e, NetSuiteConnectionError)]
    assert errors and "concurrency" in str(errors[0])
    assert served.sandbox.concurrency_refusals == 3


def test_server_errors_and_dropped_connections_cost_retries_not_data(
    serve: Callable[..., Served], warehouse: Warehouse, demo_world: WorldLayout
) -> None:
    served = serve(faults=FaultPlan(seed=4, error_rate=0.25, drop_rate=0.1))
    warehouse.pipeline.run(served.source(request_max_attempts=10))
    statuses = [record.status for record in served.suiteql_requests()]
    assert {500, 503} & set(statuses)
    assert None in statuses
    world = read_erp_records(demo_world.root)
    assert warehouse.count("ledger_entries") == len(world.ledger_entries)
    assert warehouse.count("fulfilments") == len(world.fulfilments)


# --- quarantine -------------------------------------------------------------------------------


def test_an_item_that_cannot_be_read_is_quarantined_and_the_others_land(
    serve: Callable[..., Served], warehouse: Warehouse, demo_world: WorldLayout
) -> None:
    served = serve()
    served.sandbox.update_records(
        "item", {"itemid": "NW-COO-00003"}, custitem_mirakl_case_size="a dozen"
    )
    warehouse.pipeline.run(served.source())
    quarantined = warehouse.rows(
        "SELECT source, entity, record_ref, reason, raw_record FROM netsuite.quarantine"
    )
    assert len(quarantined) == 1
    source, entity, ref, reason, raw = quarantined[0]
    assert (source, entity) == ("netsuite", "items")
    assert "NW-COO-00003" in ref
    assert "'a dozen'" in reason and "custitem_mirakl_case_size" in reason
    assert "a dozen" in raw
    assert warehouse.count("items") == len(read_erp_records(demo_world.root).items) - 1
    assert warehouse.rows("SELECT count(*) FROM netsuite.items WHERE sku = 'NW-COO-00003'") == [
        (0,)
    ]
    # A rerun over the same bad record keeps one quarantine row.
    warehouse.pipeline.run(served.source())
    assert warehouse.count("quarantine") == 1


# --- auth and secrets -------------------------------------------------------------------------


def test_a_refused_login_ends_the_run_naming_the_settings_and_never_a_secret(
    serve: Callable[..., Served], warehouse: Warehouse, caplog: pytest.LogCaptureFixture
) -> None:
    served = serve()
    wrong = "ts-wrong-0b9e8d7c6a5f4e3d"
    caplog.set_level(logging.DEBUG)
    with pytest.raises(PipelineStepFailed) as failure:
        warehouse.pipeline.run(served.source(token_secret=wrong))
    chain = _chain(failure.value)
    auth = next(e for e in chain if isinstance(e, NetSuiteAuthError))
    assert (auth.status, auth.code) == (401, "INVALID_LOGIN")
    message = str(failure.value)
    assert "NetSuite refused the login" in message
    assert "SOURCES__NETSUITE__" in message and "Login Audit Trail" in message
    printed = "".join(traceback.format_exception(failure.value))
    for text in (message, printed, caplog.text, *(str(error) for error in chain)):
        for secret in (wrong, *SECRETS.values()):
            assert secret not in text
    # A refused login is not retried.
    assert [record.status for record in served.suiteql_requests()] == [401]


def test_configured_from_the_environment_no_secret_is_written_down(
    serve: Callable[..., Served],
    warehouse: Warehouse,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    served = serve()
    monkeypatch.setenv("SOURCES__NETSUITE__ACCOUNT_ID", ACCOUNT)
    monkeypatch.setenv("SOURCES__NETSUITE__ACCOUNT_TIMEZONE", PARIS)
    monkeypatch.setenv("SOURCES__NETSUITE__BASE_URL", served.base_url)
    for name, value in SECRETS.items():
        monkeypatch.setenv(f"SOURCES__NETSUITE__{name.upper()}", value)
    caplog.set_level(logging.DEBUG)
    warehouse.pipeline.run(netsuite_source(**FAST_RETRIES))
    assert warehouse.count("sales_orders") > 0
    assert all(r.headers["Authorization"] == "[redacted]" for r in served.suiteql_requests())
    written = caplog.text + str(warehouse.pipeline.last_trace)
    files = [path for path in warehouse.pipelines_dir.rglob("*") if path.is_file()]
    files.append(warehouse.path)
    for secret in SECRETS.values():
        assert secret not in written
        for path in files:
            assert secret.encode() not in path.read_bytes(), path


def test_an_oauth2_access_token_can_replace_token_based_auth(
    serve: Callable[..., Served], warehouse: Warehouse
) -> None:
    served = serve(access_token="oauth2-access-token-4d2c")
    no_tba = dict.fromkeys(SECRETS)
    warehouse.pipeline.run(served.source(**no_tba, access_token="oauth2-access-token-4d2c"))
    assert warehouse.count("items") > 0
    assert served.sandbox.login_audit_trail == []


@pytest.mark.parametrize(
    ("options", "said"),
    [
        ({**dict.fromkeys(SECRETS)}, "no NetSuite credentials"),
        ({"token_secret": None}, "missing token_secret"),
        ({"order_id_field": "otherrefnum; DROP"}, "order_id_field"),
        ({"account_timezone": "Mars/Olympus"}, "account_timezone"),
        ({"account_id": " "}, "account id is empty"),
    ],
)
def test_configuration_mistakes_are_named_before_any_request(
    serve: Callable[..., Served], options: dict[str, Any], said: str
) -> None:
    served = serve()
    with pytest.raises(Exception) as failure:
        served.source(**options)
    assert said in str(failure.value)
    assert served.sandbox.request_log == []


def test_a_custom_order_id_field_the_account_lacks_is_netsuites_error(
    serve: Callable[..., Served], warehouse: Warehouse
) -> None:
    served = serve()
    with pytest.raises(PipelineStepFailed) as failure:
        warehouse.pipeline.run(served.source(order_id_field="custbody_mirakl_order"))
    assert "Field 'custbody_mirakl_order' for record 'transaction' was not found" in str(
        failure.value
    )


def test_without_a_count_date_stock_is_stamped_when_it_was_read(
    serve: Callable[..., Served], warehouse: Warehouse
) -> None:
    served = serve()
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    warehouse.pipeline.run(served.source(stock_counted_at_field=None))
    after = dt.datetime.now(dt.UTC)
    ((lowest, highest),) = warehouse.rows(
        "SELECT min(counted_at), max(counted_at) FROM netsuite.stock_levels"
    )
    assert before <= lowest == highest <= after
