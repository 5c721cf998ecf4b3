"""The Mirakl source, run by dlt into DuckDB against the Mirakl sandbox over real HTTP.

What it promises:

- every order, order line, refund and transaction line of the shop lands, across as many
  pages as Mirakl splits them into (offset pages for OR11, seek tokens for TL02);
- runs are incremental and idempotent: a rerun re-pulls a window before the last update seen
  and merges it, so a changed order is updated in place and nothing is duplicated;
- rate limits, server errors and dropped connections cost time, never data;
- a rejected API key ends the run with a message naming the setting to fix, never the key;
- real Mirakl payloads land complete and typed, without the customer's personal data;
- an order that cannot be landed is quarantined with the reason, and the others land.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
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
from dlt.common.normalizers.naming.snake_case import NamingConvention
from dlt.pipeline.exceptions import PipelineStepFailed

from ingestion.mirakl import MiraklAuthError, mirakl_source
from sandbox.http import FaultPlan
from sandbox.mirakl import MiraklSandbox, SandboxConfig
from sandbox.world.layout import WorldLayout
from tests.support.mirakl_worlds import build_fixture_world, build_mirakl_world, fixture_orders

API_KEY = "shop-key-for-tests-93c1"
ORDERS = "/api/orders"
TRANSACTION_LOGS = "/api/sellerpayment/transactions_logs"
# Short waits so that retries cost milliseconds; Retry-After is still honoured.
FAST_RETRIES: dict[str, Any] = {
    "request_timeout": 10.0,
    "request_max_attempts": 8,
    "request_backoff_factor": 0.05,
    "request_max_retry_delay": 2.0,
}
# Tables compared between runs, with their keys.
KEYED_TABLES = {
    "orders": "order_id",
    "orders__order_lines": "order_line_id",
    "orders__order_lines__refunds": "id",
    "offers": "offer_id",
    "carriers": "code",
    "reasons": "code",
    "transaction_logs": "id",
    "billing_cycles": "id",
    "invoices": "id",
}
NAMING = NamingConvention()
Serve = Callable[[MiraklSandbox], str]


# --- harness ----------------------------------------------------------------------------------


def sandbox_config(**overrides: Any) -> SandboxConfig:
    settings: dict[str, Any] = {
        "api_key": API_KEY,
        "request_budget": None,
        "retry_after_seconds": 1,
        "update_overlap_seconds": 300,
        "faults": FaultPlan(seed=0, error_rate=0.0, slow_rate=0.0, slow_seconds=2.0, drop_rate=0.0),
    }
    settings.update(overrides)
    return SandboxConfig(**settings)


def requests_to(sandbox: MiraklSandbox, path: str | None = None) -> list[Any]:
    log = sandbox.request_log
    records = log.records() if hasattr(log, "records") else list(log)
    return [record for record in records if path is None or record.path == path]


def query_value(record: Any, name: str) -> str | None:
    values = record.query.get(name)
    return values[0] if values else None


def mirakl_time(value: dt.datetime) -> str:
    """How a date-time is written in Mirakl query strings."""
    value = value.astimezone(dt.UTC)
    text = value.strftime("%Y-%m-%dT%H:%M:%S")
    if value.microsecond:
        text += f".{value.microsecond // 1000:03d}"
    return text + "Z"


@dataclass
class Warehouse:
    """A DuckDB file that a dlt pipeline loads the source into."""

    pipeline: dlt.Pipeline
    path: Path
    pipelines_dir: Path

    def load(self, base_url: str, **source_args: Any) -> Any:
        arguments = {"base_url": base_url, "api_key": API_KEY, **FAST_RETRIES, **source_args}
        return self.pipeline.run(mirakl_source(**arguments))

    def rows(self, sql: str, *parameters: Any) -> list[tuple[Any, ...]]:
        with duckdb.connect(str(self.path)) as connection:
            return connection.execute(sql, list(parameters)).fetchall()

    def records(self, sql: str, *parameters: Any) -> list[dict[str, Any]]:
        with duckdb.connect(str(self.path)) as connection:
            cursor = connection.execute(sql, list(parameters))
            names = [column[0] for column in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def column_types(self, table: str) -> dict[str, str]:
        return {
            name: column_type for name, column_type, *_ in self.rows(f"DESCRIBE mirakl.{table}")
        }

    def tables(self) -> set[str]:
        return {
            name
            for (name,) in self.rows(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'mirakl'"
            )
        }

    def content(self, table: str) -> list[tuple[Any, ...]]:
        """The table's data columns (dlt's bookkeeping columns left out), sorted."""
        columns = [c for c in self.column_types(table) if not c.startswith("_dlt_")]
        select = ", ".join(f'"{c}"' for c in sorted(columns))
        return sorted(self.rows(f"SELECT {select} FROM mirakl.{table}"), key=repr)

    def snapshot(self) -> dict[str, list[tuple[Any, ...]]]:
        return {table: self.content(table) for table in KEYED_TABLES}

    def count(self, table: str) -> int:
        return self.rows(f"SELECT count(*) FROM mirakl.{table}")[0][0]


def make_warehouse(tmp_path: Path, name: str) -> Warehouse:
    path = tmp_path / f"{name}.duckdb"
    pipelines_dir = tmp_path / f"{name}_pipelines"
    pipeline = dlt.pipeline(
        pipeline_name=f"mirakl_{name}",
        pipelines_dir=str(pipelines_dir),
        destination=dlt.destinations.duckdb(str(path)),
        dataset_name="mirakl",
    )
    return Warehouse(pipeline, path, pipelines_dir)


@pytest.fixture
def warehouse(tmp_path: Path) -> Warehouse:
    return make_warehouse(tmp_path, "warehouse")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> WorldLayout:
    """250 orders (three OR11 pages) and 2,500 transaction lines (several TL02 pages)."""
    root = tmp_path_factory.mktemp("world")
    return build_mirakl_world(root, orders=250, transaction_lines=2500)


@pytest.fixture(scope="module")
def small_world(tmp_path_factory: pytest.TempPathFactory) -> WorldLayout:
    """A few dozen orders and transaction lines: quick to load several times.

    Worlds are shared by the tests of this module: a sandbox copies the world into memory, so
    what a test changes in its sandbox never reaches the files.
    """
    root = tmp_path_factory.mktemp("small_world")
    return build_mirakl_world(root, orders=40, transaction_lines=120)


@pytest.fixture
def serve() -> Iterator[Callable[[MiraklSandbox], str]]:
    """Serve a sandbox until the test ends: `base_url = serve(sandbox)`."""
    with ExitStack() as stack:
        yield lambda sandbox: stack.enter_context(sandbox.serve())


# --- pagination -------------------------------------------------------------------------------


def test_orders_beyond_one_page_land_completely_through_offset_pages(
    world: WorldLayout, warehouse: Warehouse, serve: Serve
) -> None:
    orders = world.read_mirakl("orders")
    assert len(orders) > 200, "the world must hold more orders than two OR11 pages"
    sandbox = MiraklSandbox.from_world(world.root, config=sandbox_config())
    shop_id = world.read_manifest().shop_id
    # The instance URL may be given with the /api suffix the SDKs use.
    warehouse.load(serve(sandbox) + "/api/", shop_id=shop_id)

    landed = [order_id for (order_id,) in warehouse.rows("SELECT order_id FROM mirakl.orders")]
    assert sorted(landed) == sorted(order["order_id"] for order in orders)
    line_ids = [line["order_line_id"] for order in orders for line in order["order_lines"]]
    assert warehouse.count("orders__order_lines") == len(line_ids)
    assert {
        row[0] for row in warehouse.rows("SELECT order_line_id FROM mirakl.orders__order_lines")
    } == set(line_ids)

    # Lines carry their order's id, so they join to orders by business key.
    assert warehouse.rows(
        "SELECT count(*) FROM mirakl.orders__order_lines l "
        "LEFT JOIN mirakl.orders o ON o._dlt_id = l._dlt_root_id "
        "WHERE l.order_id IS DISTINCT FROM o.order_id"
    ) == [(0,)]

    pages = requests_to(sandbox, ORDERS)
    assert [query_value(page, "offset") for page in pages] == ["0", "100", "200"]
    assert {query_value(page, "max") for page in pages} == {"100"}
    assert {page.status for page in pages} == {200}
    assert all(query_value(record, "shop_id") == str(shop_id) for record in requests_to(sandbox))


def test_transaction_lines_land_completely_through_seek_pages(
    world: WorldLayout, warehouse: Warehouse, serve: Serve
) -> None:
    lines = world.read_mirakl("transaction_logs")
    assert len(lines) == 2500
    sandbox = MiraklSandbox.from_world(world.root, config=sandbox_config())
    warehouse.load(serve(sandbox), seek_page_size=1000)

    landed = [line_id for (line_id,) in warehouse.rows("SELECT id FROM mirakl.transaction_logs")]
    assert sorted(landed) == sorted(str(line["id"]) for line in lines)
    (total,) = warehouse.rows("SELECT sum(amount) FROM mirakl.transaction_logs")[0]
    assert total == sum((Decimal(str(line["amount"])) for line in lines), Decimal(0))
    # The project's sign convention holds on every landed line.
    assert warehouse.rows(
        "SELECT count(*) FROM mirakl.transaction_logs "
        "WHERE amount <> amount_credited - amount_debited"
    ) == [(0,)]

    pages = requests_to(sandbox, TRANSACTION_LOGS)
    assert len(pages) == 3
    first, *following = pages
    assert query_value(first, "limit") == "1000"
    assert query_value(first, "sort") == "lastUpdated,ASC"
    assert query_value(first, "page_token") is None
    tokens = [query_value(page, "page_token") for page in following]
    assert all(tokens) and len(set(tokens)) == len(tokens)
    assert {page.status for page in pages} == {200}


# --- incremental loading ----------------------------------------------------------------------


def test_a_second_run_lands_the_same_tables_without_duplicates(
    small_world: WorldLayout, warehouse: Warehouse, serve: Serve
) -> None:
    sandbox = MiraklSandbox.from_world(small_world.root, config=sandbox_config())
    url = serve(sandbox)
    warehouse.load(url)
    first = warehouse.snapshot()
    warehouse.load(url)

    # The rerun did re-pull the newest orders (the overlap), and merged them away.
    assert warehouse.pipeline.last_trace.last_normalize_info.row_counts.get("orders", 0) > 0
    assert warehouse.snapshot() == first
    for table, key in KEYED_TABLES.items():
        assert warehouse.rows(f"SELECT count(*) - count(DISTINCT {key}) FROM mirakl.{table}") == [
            (0,)
        ], table
    first_run, second_run = requests_to(sandbox, ORDERS)[0], requests_to(sandbox, ORDERS)[-1]
    assert query_value(first_run, "start_update_date") is None
    assert query_value(second_run, "start_update_date") is not None


def test_a_changed_order_is_updated_in_place_on_the_next_run(
    small_world: WorldLayout, warehouse: Warehouse, serve: Serve
) -> None:
    sandbox = MiraklSandbox.from_world(small_world.root, config=sandbox_config())
    url = serve(sandbox)
    warehouse.load(url)
    order_id, lines_before = warehouse.rows(
        "SELECT o.order_id, count(*) FROM mirakl.orders o "
        "JOIN mirakl.orders__order_lines l ON l._dlt_root_id = o._dlt_id "
        "GROUP BY o.order_id ORDER BY o.order_id LIMIT 1"
    )[0]
    sandbox.touch_order(order_id, shipping_tracking="TRACK-CHANGED-0001")
    requests_before = len(requests_to(sandbox, ORDERS))
    warehouse.load(url)

    assert warehouse.rows(
        "SELECT shipping_tracking FROM mirakl.orders WHERE order_id = ?", order_id
    ) == [("TRACK-CHANGED-0001",)]
    (lines_after,) = warehouse.rows(
        "SELECT count(*) FROM mirakl.orders__order_lines l JOIN mirakl.orders o "
        "ON l._dlt_root_id = o._dlt_id WHERE o.order_id = ?",
        order_id,
    )[0]
    assert lines_after == lines_before
    assert warehouse.count("orders") == len(small_world.read_mirakl("orders"))
    rerun = requests_to(sandbox, ORDERS)[requests_before:]
    assert rerun and all(query_value(page, "start_update_date") for page in rerun)


@pytest.mark.parametrize(("window_minutes", "late_edit_caught"), [(60, True), (0, False)])
def test_each_run_starts_the_repull_window_before_the_last_update_seen(
    small_world: WorldLayout,
    warehouse: Warehouse,
    serve: Serve,
    window_minutes: int,
    late_edit_caught: bool,
) -> None:
    sandbox = MiraklSandbox.from_world(small_world.root, config=sandbox_config())
    url = serve(sandbox)
    warehouse.load(url, repull_window_minutes=window_minutes)
    (newest_order,) = warehouse.rows("SELECT max(last_updated_date) FROM mirakl.orders")[0]
    (newest_line,) = warehouse.rows("SELECT max(last_updated) FROM mirakl.transaction_logs")[0]
    # An edit that reaches the API late: stamped half an hour before the newest update seen,
    # beyond the few minutes Mirakl itself adds to the window.
    late_order = warehouse.rows(
        "SELECT order_id FROM mirakl.orders WHERE last_updated_date < ? ORDER BY order_id LIMIT 1",
        newest_order,
    )[0][0]
    with sandbox.state.lock:
        edited = sandbox.state.orders[late_order]
        edited["shipping_tracking"] = "LATE-EDIT-0001"
        edited["last_updated_date"] = mirakl_time(newest_order - dt.timedelta(minutes=30))
    warehouse.load(url, repull_window_minutes=window_minutes)

    window = dt.timedelta(minutes=window_minutes)
    orders_rerun = requests_to(sandbox, ORDERS)[-1]
    lines_rerun = requests_to(sandbox, TRANSACTION_LOGS)[-1]
    assert query_value(orders_rerun, "start_update_date") == mirakl_time(newest_order - window)
    assert query_value(lines_rerun, "last_updated_from") == mirakl_time(newest_line - window)
    (tracking,) = warehouse.rows(
        "SELECT shipping_tracking FROM mirakl.orders WHERE order_id = ?", late_order
    )[0]
    assert (tracking == "LATE-EDIT-0001") is late_edit_caught


# --- resilience -------------------------------------------------------------------------------


def test_a_rate_limited_load_waits_as_told_and_completes(
    small_world: WorldLayout, warehouse: Warehouse, serve: Serve
) -> None:
    config = sandbox_config(request_budget=3, budget_window_seconds=1.0, retry_after_seconds=1)
    sandbox = MiraklSandbox.from_world(small_world.root, config=config)
    warehouse.load(serve(sandbox))

    log = requests_to(sandbox)
    limited = [index for index, record in enumerate(log) if record.status == 429]
    assert limited, "the budget should have been exhausted at least once"
    for index in limited:
        same = [
            r for r in log[index + 1 :] if (r.path, r.query) == (log[index].path, log[index].query)
        ]
        assert any(r.status == 200 for r in same), f"no successful retry of {log[index].path}"
    assert warehouse.count("orders") == len(small_world.read_mirakl("orders"))
    assert warehouse.count("transaction_logs") == len(small_world.read_mirakl("transaction_logs"))


def test_server_errors_and_dropped_connections_cost_retries_not_data(
    small_world: WorldLayout, tmp_path: Path, serve: Serve
) -> None:
    clean = make_warehouse(tmp_path, "clean")
    clean.load(serve(MiraklSandbox.from_world(small_world.root, config=sandbox_config())))
    faults = FaultPlan(seed=7, error_rate=0.25, slow_rate=0.0, slow_seconds=2.0, drop_rate=0.15)
    faulty_sandbox = MiraklSandbox.from_world(
        small_world.root, config=sandbox_config(faults=faults)
    )
    faulty = make_warehouse(tmp_path, "faulty")
    faulty.load(serve(faulty_sandbox))

    statuses = [record.status for record in requests_to(faulty_sandbox)]
    assert {500, 503} & set(statuses), "server errors should have been injected"
    assert None in statuses, "dropped connections should have been injected"
    assert faulty.snapshot() == clean.snapshot()


def test_a_rejected_api_key_ends_the_run_naming_the_setting_and_never_the_key(
    small_world: WorldLayout, warehouse: Warehouse, serve: Serve, caplog: pytest.LogCaptureFixture
) -> None:
    wrong_key = "wrong-key-3f9a7c21d0"
    sandbox = MiraklSandbox.from_world(small_world.root, config=sandbox_config())
    caplog.set_level(logging.DEBUG)
    with pytest.raises(PipelineStepFailed) as failure:
        warehouse.load(serve(sandbox), api_key=wrong_key)

    chain = _exception_chain(failure.value)
    auth_errors = [error for error in chain if isinstance(error, MiraklAuthError)]
    assert auth_errors, f"no MiraklAuthError in {[type(e).__name__ for e in chain]}"
    auth = auth_errors[0]
    assert auth.status == 401
    message = str(failure.value)
    assert "Mirakl rejected the API key" in message
    assert "HTTP 401" in message
    assert auth.message and auth.message in message, "Mirakl's own message is passed on"
    assert "SOURCES__MIRAKL__API_KEY" in message and "[sources.mirakl]" in message
    printed = "".join(traceback.format_exception(failure.value))
    for text in (message, printed, caplog.text, *(str(error) for error in chain)):
        assert wrong_key not in text
    # A rejected key is not retried.
    assert [record.status for record in requests_to(sandbox)] == [401]


def test_configured_from_the_environment_the_key_is_never_written_down(
    small_world: WorldLayout,
    warehouse: Warehouse,
    serve: Serve,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    sandbox = MiraklSandbox.from_world(small_world.root, config=sandbox_config())
    shop_id = small_world.read_manifest().shop_id
    monkeypatch.setenv("SOURCES__MIRAKL__BASE_URL", serve(sandbox))
    monkeypatch.setenv("SOURCES__MIRAKL__API_KEY", API_KEY)
    monkeypatch.setenv("SOURCES__MIRAKL__SHOP_ID", str(shop_id))
    monkeypatch.setenv("SOURCES__MIRAKL__START_DATE", "2000-01-01")
    caplog.set_level(logging.DEBUG)
    warehouse.pipeline.run(mirakl_source(**FAST_RETRIES))

    assert warehouse.count("orders") == len(small_world.read_mirakl("orders"))
    assert {query_value(record, "shop_id") for record in requests_to(sandbox)} == {str(shop_id)}
    # The first run starts at start_date.
    first_orders = requests_to(sandbox, ORDERS)[0]
    first_lines = requests_to(sandbox, TRANSACTION_LOGS)[0]
    assert query_value(first_orders, "start_update_date") == "2000-01-01T00:00:00Z"
    assert query_value(first_lines, "last_updated_from") == "2000-01-01T00:00:00Z"
    written = [caplog.text, str(warehouse.pipeline.last_trace)]
    files = [path for path in warehouse.pipelines_dir.rglob("*") if path.is_file()]
    files.append(warehouse.path)
    assert files
    assert API_KEY not in "".join(written)
    for path in files:
        assert API_KEY.encode() not in path.read_bytes(), path


def _exception_chain(error: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


# --- real payloads ----------------------------------------------------------------------------


def _scalars(item: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """(column name, value) of every scalar of `item`, nested objects flattened as dlt does."""
    for key, value in item.items():
        column = NAMING.normalize_identifier(key)
        name = f"{prefix}__{column}" if prefix else column
        if isinstance(value, dict):
            if value:
                yield from _scalars(value, name)
            else:
                continue
        elif isinstance(value, list):
            continue
        else:
            yield name, value


ISO_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
MONEY = "DECIMAL(18,4)"
TIMESTAMP = "TIMESTAMP WITH TIME ZONE"


def _assert_landed(
    row: dict[str, Any], types: dict[str, str], expected: dict[str, Any], what: str
) -> None:
    """Every scalar of `expected` has a column holding its value; numbers with decimals are
    DECIMAL(18,4) and date-times TIMESTAMP WITH TIME ZONE."""
    for column, value in _scalars(expected):
        if value is None:
            # A null object (`channel: null`) has no column of its own, only its fields'.
            owned = [c for c in row if c == column or c.startswith(column + "__")]
            assert owned, f"{what}: no column for null field {column}"
            assert all(row[c] is None for c in owned), f"{what}: {column} should be null"
            continue
        assert column in row, f"{what}: field {column} has no column"
        landed = row[column]
        if isinstance(value, Decimal):
            assert types[column] == MONEY, f"{what}: {column} is {types[column]}"
        if isinstance(value, str) and ISO_DATE_TIME.match(value):
            assert types[column] == TIMESTAMP, f"{what}: {column} is {types[column]}"
            value = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        elif isinstance(landed, str) and not isinstance(value, str):
            value = str(value)
        assert landed == value, f"{what}: {column} = {landed!r}, expected {value!r}"


PERSONAL = ("firstname", "lastname", "street", "phone", "address", "civility", "zip_code", "city")


def test_real_or11_payloads_land_complete_typed_and_without_personal_data(
    tmp_path: Path, warehouse: Warehouse, serve: Serve
) -> None:
    layout = build_fixture_world(tmp_path / "fixture_world")
    sandbox = MiraklSandbox.from_world(layout.root, config=sandbox_config())
    warehouse.load(serve(sandbox))

    order_types = warehouse.column_types("orders")
    line_types = warehouse.column_types("orders__order_lines")
    refund_types = warehouse.column_types("orders__order_lines__refunds")
    fixtures = fixture_orders()
    served = {order["order_id"]: order for order in layout.read_mirakl("orders")}
    assert {order["order_id"] for order in fixtures} <= set(served)
    for fixture in fixtures:
        order = dict(fixture)
        customer = order.pop("customer")
        order["customer"] = {"customer_id": customer["customer_id"], "locale": customer["locale"]}
        order.pop("paymentType", None)  # the deprecated twin of payment_type: same column
        (row,) = warehouse.records(
            "SELECT * FROM mirakl.orders WHERE order_id = ?", order["order_id"]
        )
        _assert_landed(row, order_types, order, f"order {order['order_id']}")
        assert not [
            c
            for c in row
            if c.startswith("customer__") and c not in ("customer__customer_id", "customer__locale")
        ]

        for line in order["order_lines"]:
            (line_row,) = warehouse.records(
                "SELECT * FROM mirakl.orders__order_lines WHERE order_line_id = ?",
                str(line["order_line_id"]),
            )
            _assert_landed(line_row, line_types, line, f"line {line['order_line_id']}")
            for refund in line["refunds"]:
                (refund_row,) = warehouse.records(
                    "SELECT * FROM mirakl.orders__order_lines__refunds WHERE id = ?", refund["id"]
                )
                _assert_landed(refund_row, refund_types, refund, f"refund {refund['id']}")
                assert refund_row["refund_state"] == refund.get("refund_state", refund["state"])
                assert (refund_row["order_id"], refund_row["order_line_id"]) == (
                    order["order_id"],
                    str(line["order_line_id"]),
                )

    refunds = [r for o in fixtures for line in o["order_lines"] for r in line["refunds"]]
    assert warehouse.count("orders__order_lines__refunds") == len(refunds) > 0

    # Money the fixtures happen to send as integers or nulls is typed all the same.
    assert order_types["promotions__total_deduced_amount"] == MONEY
    assert line_types["shipping_price_unit"] == MONEY
    assert line_types["shipped_date"] == TIMESTAMP
    assert line_types["quantity"] == "BIGINT"
    assert line_types["offer_id"] == "VARCHAR"

    # No column anywhere carries a customer's name, address or phone.
    for table in warehouse.tables():
        leaked = [c for c in warehouse.column_types(table) if any(p in c for p in PERSONAL)]
        assert not leaked, f"{table}: {leaked}"
    surnames = {fixture["customer"]["lastname"] for fixture in fixtures}
    for table in warehouse.tables():
        text = repr(warehouse.rows(f"SELECT * FROM mirakl.{table}"))
        assert not [s for s in surnames if s in text], table


# --- quarantine -------------------------------------------------------------------------------


def test_orders_that_cannot_be_landed_are_quarantined_and_the_others_land(
    small_world: WorldLayout, warehouse: Warehouse, serve: Serve
) -> None:
    orders = small_world.read_mirakl("orders")
    unparseable, keyless = orders[3]["order_id"], orders[7]["order_id"]
    sandbox = MiraklSandbox.from_world(small_world.root, config=sandbox_config())
    sandbox.state.orders[unparseable]["last_updated_date"] = "the day after tomorrow"
    keyless_commercial_id = sandbox.state.orders[keyless]["commercial_id"]
    sandbox.state.orders[keyless]["order_id"] = None
    warehouse.load(serve(sandbox))

    quarantined = warehouse.records(
        "SELECT source, entity, record_ref, reason FROM mirakl.quarantine ORDER BY record_ref"
    )
    assert len(quarantined) == 2
    by_ref = {row["record_ref"]: row for row in quarantined}
    assert unparseable in by_ref
    assert "last_updated_date" in by_ref[unparseable]["reason"]
    assert unparseable in by_ref[unparseable]["reason"]
    (keyless_row,) = [row for ref, row in by_ref.items() if ref != unparseable]
    assert keyless_commercial_id in keyless_row["record_ref"]
    assert "order_id" in keyless_row["reason"]
    assert {(row["source"], row["entity"]) for row in quarantined} == {("mirakl", "orders")}

    landed = {order_id for (order_id,) in warehouse.rows("SELECT order_id FROM mirakl.orders")}
    assert landed == {o["order_id"] for o in orders} - {unparseable, keyless}
