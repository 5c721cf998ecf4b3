"""The Business Central source, run by dlt into DuckDB against the BC sandbox over real HTTP.

What it promises:

- every entity set lands completely, across as many server-driven pages as BC splits it into,
  typed (money DECIMAL, timestamps UTC, dates DATE), without the customers' personal data;
- runs are incremental and idempotent: a rerun asks for what changed since the newest
  lastModifiedDateTime seen (less the re-pull window) and merges it, so a changed record is
  updated in place and nothing is duplicated; orders BC deletes disappear;
- tokens are fetched with client credentials and renewed when they expire or are revoked;
- 429 costs time, never data, with or without Retry-After;
- refused credentials end the run naming the settings to fix, never the secret;
- an entity that cannot be landed is quarantined with the reason, and the others land.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import dlt
import duckdb
import pytest
from dlt.pipeline.exceptions import PipelineStepFailed

from ingestion.business_central import (
    BusinessCentralAuthError,
    BusinessCentralClient,
    CompanyNotFound,
    business_central_source,
)
from ingestion.business_central.entities import ENTITIES, ENTITIES_BY_TABLE, column
from sandbox.business_central import BusinessCentralSandbox, CustomApi, SandboxConfig
from sandbox.world.layout import WorldLayout

CLIENT_ID = "7b1e0c52-app"
CLIENT_SECRET = "bc-client-secret-for-tests-5f2a"
FAST_RETRIES: dict[str, Any] = {
    "request_timeout": 10.0,
    "request_max_attempts": 8,
    "request_backoff_factor": 0.05,
    "request_max_retry_delay": 2.0,
}
MONEY = "DECIMAL(18,4)"
TIMESTAMP = "TIMESTAMP WITH TIME ZONE"
# Entity sets that land as tables with nested line tables.
NESTED = {
    "sales_orders": "sales_orders__sales_order_lines",
    "sales_invoices": "sales_invoices__sales_invoice_lines",
    "sales_shipments": "sales_shipments__sales_shipment_lines",
    "general_ledger_entries": "general_ledger_entries__dimension_set_lines",
}


def sandbox_config(**overrides: Any) -> SandboxConfig:
    settings: dict[str, Any] = {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "page_size": 40,
    }
    settings.update(overrides)
    return SandboxConfig(**settings)


@dataclass
class Warehouse:
    pipeline: dlt.Pipeline
    path: Path
    pipelines_dir: Path

    def load(
        self,
        sandbox: BusinessCentralSandbox,
        base_url: str,
        *tables: str,
        **arguments: Any,
    ) -> Any:
        """Run the source (only `tables`, when given: a quicker load for focused tests)."""
        source = source_for(sandbox, base_url, **arguments)
        return self.pipeline.run(source.with_resources(*tables) if tables else source)

    def rows(self, sql: str, *parameters: Any) -> list[tuple[Any, ...]]:
        with duckdb.connect(str(self.path), read_only=True) as connection:
            return connection.execute(sql, list(parameters)).fetchall()

    def count(self, table: str) -> int:
        return self.rows(f"select count(*) from business_central.{table}")[0][0]

    def column_types(self, table: str) -> dict[str, str]:
        return {name: kind for name, kind, *_ in self.rows(f"describe business_central.{table}")}

    def content(self, table: str) -> list[tuple[Any, ...]]:
        columns = [c for c in self.column_types(table) if not c.startswith("_dlt_")]
        select = ", ".join(f'"{c}"' for c in sorted(columns))
        return sorted(self.rows(f"select {select} from business_central.{table}"), key=repr)


def source_for(sandbox: BusinessCentralSandbox, base_url: str, **arguments: Any) -> Any:
    custom = sandbox.config.custom_api
    settings: dict[str, Any] = {
        "base_url": base_url,
        "login_url": base_url,
        "tenant": sandbox.config.tenant_id,
        "environment": sandbox.config.environment,
        "company": sandbox.company_name,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "custom_api_path": f"{custom.publisher}/{custom.group}/{custom.version}",
        **FAST_RETRIES,
    }
    settings.update(arguments)
    return business_central_source(**settings)


def make_warehouse(root: Path) -> Warehouse:
    path = root / "warehouse.duckdb"
    pipelines_dir = root / "pipelines"
    pipeline = dlt.pipeline(
        pipeline_name="business_central_test",
        pipelines_dir=str(pipelines_dir),
        destination=dlt.destinations.duckdb(str(path)),
        dataset_name="business_central",
    )
    return Warehouse(pipeline, path, pipelines_dir)


@pytest.fixture
def warehouse(tmp_path: Path) -> Warehouse:
    return make_warehouse(tmp_path)


@pytest.fixture(scope="module")
def first_load(
    demo_world: WorldLayout, tmp_path_factory: pytest.TempPathFactory
) -> tuple[BusinessCentralSandbox, Warehouse]:
    """One complete load of the demo world, 40 entities a page; read-only for the tests."""
    sandbox = BusinessCentralSandbox.from_world(demo_world.root, config=sandbox_config())
    warehouse = make_warehouse(tmp_path_factory.mktemp("first_load"))
    with sandbox.serve() as base_url:
        warehouse.load(sandbox, base_url)
    return sandbox, warehouse


Serve = Callable[..., tuple[BusinessCentralSandbox, str]]


@pytest.fixture
def serve(demo_world: WorldLayout) -> Iterator[Serve]:
    """Start a sandbox on the demo world: `sandbox, base_url = serve(**config)`."""
    with ExitStack() as stack:

        def start(**config: Any) -> tuple[BusinessCentralSandbox, str]:
            sandbox = BusinessCentralSandbox.from_world(
                demo_world.root, config=sandbox_config(**config)
            )
            return sandbox, stack.enter_context(sandbox.serve())

        yield start


def served_rows(sandbox: BusinessCentralSandbox, spec: Any) -> list[dict[str, Any]]:
    """What the sandbox serves for an entity set (custom pages under their configured names)."""
    name = getattr(sandbox.config.custom_api, spec.table) if spec.custom else spec.entity_set
    return sandbox.state.sets[name]


def entity_requests(sandbox: BusinessCentralSandbox, entity_set: str) -> list[Any]:
    return [r for r in sandbox.request_log if r.path.endswith("/" + entity_set)]


def filter_of(record: Any) -> str | None:
    values = record.query.get("$filter")
    return unquote(values[0]) if values else None


# --- a complete, typed first load -------------------------------------------------------------


def test_every_entity_set_lands_completely_across_server_driven_pages(
    first_load: tuple[BusinessCentralSandbox, Warehouse],
) -> None:
    sandbox, warehouse = first_load

    for spec in ENTITIES:
        served = served_rows(sandbox, spec)
        assert warehouse.count(spec.table) == len(served), spec.table
        if spec.lines is not None:
            lines = sum(len(record[spec.lines.navigation]) for record in served)
            assert warehouse.count(NESTED[spec.table]) == lines, spec.table
    ledger = entity_requests(sandbox, "generalLedgerEntries")
    assert len(ledger) >= 3, "the ledger must span several pages"
    assert all(r.status == 200 for r in sandbox.request_log)


def test_columns_are_typed_and_personal_data_never_lands(
    first_load: tuple[BusinessCentralSandbox, Warehouse],
) -> None:
    sandbox, warehouse = first_load

    orders = warehouse.column_types("sales_orders")
    assert orders["total_amount_including_tax"] == MONEY
    assert orders["last_modified_date_time"] == TIMESTAMP
    assert orders["order_date"] == "DATE"
    assert orders["fully_shipped"] == "BOOLEAN"
    assert warehouse.column_types("sales_orders__sales_order_lines")["quantity"] == MONEY
    assert warehouse.column_types("general_ledger_entries")["entry_number"] == "BIGINT"
    assert warehouse.column_types("shipment_trackings")["system_created_at"] == TIMESTAMP
    assert warehouse.column_types("item_location_stocks")["qty_on_sales_order"] == MONEY
    for table in ("sales_orders", "sales_invoices", "sales_shipments", "sales_credit_memos"):
        names = set(warehouse.column_types(table))
        assert not {n for n in names if n.startswith(("sell_to", "ship_to", "bill_to"))}
        assert not names & {"email", "phone_number", "customer_name"}
    # Values arrive exact: a half-cent order total keeps its third decimal.
    totals = {
        row["number"]: row["totalAmountIncludingTax"] for row in sandbox.state.sets["salesOrders"]
    }
    landed = dict(
        warehouse.rows(
            "select number, total_amount_including_tax from business_central.sales_orders"
        )
    )
    assert landed == {number: Decimal(total) for number, total in totals.items()}


# --- incremental reruns -----------------------------------------------------------------------


def test_a_rerun_asks_only_for_what_changed_and_duplicates_nothing(
    warehouse: Warehouse, serve: Serve
) -> None:
    sandbox, base_url = serve()
    warehouse.load(sandbox, base_url, repull_window_minutes=60)
    first = {spec.table: warehouse.content(spec.table) for spec in ENTITIES}
    newest = max(row["lastModifiedDateTime"] for row in sandbox.state.sets["generalLedgerEntries"])
    sandbox.clear_request_log()

    warehouse.load(sandbox, base_url, repull_window_minutes=60)

    assert {spec.table: warehouse.content(spec.table) for spec in ENTITIES} == first
    (request,) = entity_requests(sandbox, "generalLedgerEntries")
    since = (newest - dt.timedelta(minutes=60)).strftime("%Y-%m-%dT%H:%M:%S")
    assert filter_of(request) == f"lastModifiedDateTime gt {since}.000Z"
    # Sales orders are re-read whole: BC deletes orders, which a date filter cannot see.
    assert all(filter_of(r) is None for r in entity_requests(sandbox, "salesOrders"))


def test_a_changed_record_is_updated_in_place_and_a_deleted_order_disappears(
    warehouse: Warehouse, serve: Serve
) -> None:
    sandbox, base_url = serve()
    tables = ("sales_credit_memos", "sales_orders")
    warehouse.load(sandbox, base_url, *tables)
    memo = sandbox.state.sets["salesCreditMemos"][0]
    memos_before = warehouse.count("sales_credit_memos")
    sandbox.touch(
        "salesCreditMemos", {"number": memo["number"]}, totalAmountIncludingTax=Decimal("1.23")
    )
    open_order = next(r for r in sandbox.state.sets["salesOrders"] if not r["fullyShipped"])
    sandbox.delete("salesOrders", {"number": open_order["number"]})

    warehouse.load(sandbox, base_url, *tables)

    assert warehouse.count("sales_credit_memos") == memos_before
    assert warehouse.rows(
        "select total_amount_including_tax from business_central.sales_credit_memos "
        "where number = ?",
        memo["number"],
    ) == [(Decimal("1.23"),)]
    orders = {
        number for (number,) in warehouse.rows("select number from business_central.sales_orders")
    }
    assert open_order["number"] not in orders
    assert len(orders) == len(sandbox.state.sets["salesOrders"])
    lines = warehouse.rows(
        "select count(*) from business_central.sales_orders__sales_order_lines "
        "where document_id = ?",
        open_order["id"],
    )
    assert lines == [(0,)]


def test_start_date_bounds_the_first_run(warehouse: Warehouse, serve: Serve) -> None:
    sandbox, base_url = serve()
    warehouse.load(sandbox, base_url, "sales_credit_memos", start_date="2026-04-20")
    (request,) = entity_requests(sandbox, "salesCreditMemos")
    assert filter_of(request) == "lastModifiedDateTime gt 2026-04-20T00:00:00.000Z"
    cut = dt.datetime(2026, 4, 20, tzinfo=dt.UTC)
    expected = [
        r for r in sandbox.state.sets["salesCreditMemos"] if r["lastModifiedDateTime"] > cut
    ]
    assert warehouse.count("sales_credit_memos") == len(expected) > 0


# --- tokens, rate limits ----------------------------------------------------------------------


def client_for(sandbox: BusinessCentralSandbox, base_url: str) -> BusinessCentralClient:
    return BusinessCentralClient(
        base_url=base_url,
        login_url=base_url,
        tenant=sandbox.config.tenant_id,
        environment=sandbox.config.environment,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        max_attempts=3,
        backoff_factor=0.05,
    )


def test_an_expiring_token_is_renewed_before_it_is_refused(serve: Serve) -> None:
    sandbox, base_url = serve(token_lifetime_seconds=1)
    client = client_for(sandbox, base_url)
    company = client.company_id(sandbox.company_name)
    client.get_json(client.standard_root(company) + "/items")
    time.sleep(1.05)
    client.get_json(client.standard_root(company) + "/items")
    assert client.tokens_fetched == 2
    assert all(r.status == 200 for r in sandbox.request_log)


def test_a_revoked_token_is_replaced_once_and_the_request_goes_through(serve: Serve) -> None:
    sandbox, base_url = serve()
    client = client_for(sandbox, base_url)
    company = client.company_id(sandbox.company_name)
    sandbox.tokens.revoke_all()
    body = client.get_json(client.standard_root(company) + "/items")
    assert body["value"]
    assert client.tokens_fetched == 2
    statuses = [r.status for r in sandbox.request_log if r.path.endswith("/items")]
    assert statuses == [401, 200]


@pytest.mark.parametrize("retry_after", [1, None], ids=["retry-after", "no-retry-after"])
def test_a_rate_limited_load_waits_and_completes(
    warehouse: Warehouse, serve: Serve, retry_after: int | None
) -> None:
    sandbox, base_url = serve(
        request_budget=10, budget_window_seconds=0.5, retry_after_seconds=retry_after
    )
    warehouse.load(sandbox, base_url, "general_ledger_entries", "items")
    refused = [r for r in sandbox.request_log if r.status == 429]
    assert refused, "the budget must have been hit"
    for table in ("general_ledger_entries", "items"):
        spec = ENTITIES_BY_TABLE[table]
        assert warehouse.count(table) == len(served_rows(sandbox, spec)), table


# --- credentials never leak -------------------------------------------------------------------


def _chain(error: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def test_a_refused_secret_ends_the_run_naming_the_settings_never_the_secret(
    warehouse: Warehouse, serve: Serve, caplog: pytest.LogCaptureFixture
) -> None:
    sandbox, base_url = serve()
    wrong = "wrong-secret-that-must-not-leak-91c3"
    caplog.set_level(logging.DEBUG)
    with pytest.raises(PipelineStepFailed) as raised:
        warehouse.load(sandbox, base_url, "items", client_secret=wrong)
    chain = _chain(raised.value)
    auth = next(e for e in chain if isinstance(e, BusinessCentralAuthError))
    assert auth.status == 401 and auth.code == "invalid_client"
    assert "SOURCES__BUSINESS_CENTRAL__CLIENT_SECRET" in str(auth)
    printed = "".join(traceback.format_exception(raised.value))
    for text in (printed, caplog.text, *(str(e) for e in chain)):
        assert wrong not in text and CLIENT_SECRET not in text


def test_credentials_from_the_environment_are_never_written_down(
    warehouse: Warehouse,
    serve: Serve,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    sandbox, base_url = serve()
    custom = sandbox.config.custom_api
    for name, value in {
        "TENANT": sandbox.config.tenant_id,
        "CLIENT_ID": CLIENT_ID,
        "CLIENT_SECRET": CLIENT_SECRET,
        "COMPANY": sandbox.company_name,
        "ENVIRONMENT": sandbox.config.environment,
        "BASE_URL": base_url,
        "LOGIN_URL": base_url,
        "CUSTOM_API_PATH": f"{custom.publisher}/{custom.group}/{custom.version}",
    }.items():
        monkeypatch.setenv(f"SOURCES__BUSINESS_CENTRAL__{name}", value)
    caplog.set_level(logging.DEBUG)
    warehouse.pipeline.run(business_central_source(**FAST_RETRIES).with_resources("items"))

    assert warehouse.count("items") == len(sandbox.state.sets["items"])
    assert CLIENT_SECRET not in caplog.text + str(warehouse.pipeline.last_trace)
    files = [p for p in warehouse.pipelines_dir.rglob("*") if p.is_file()] + [warehouse.path]
    for path in files:
        assert CLIENT_SECRET.encode() not in path.read_bytes(), path


def test_an_unknown_company_is_named_with_the_companies_there_are(
    warehouse: Warehouse, serve: Serve
) -> None:
    sandbox, base_url = serve()
    with pytest.raises(PipelineStepFailed) as raised:
        warehouse.load(sandbox, base_url, "items", company="CRONUS International Ltd.")
    error = next(e for e in _chain(raised.value) if isinstance(e, CompanyNotFound))
    assert "'CRONUS International Ltd.'" in str(error)
    assert repr(sandbox.company_name) in str(error)
    assert "SOURCES__BUSINESS_CENTRAL__COMPANY" in str(error)


def test_the_company_may_be_given_by_id(warehouse: Warehouse, serve: Serve) -> None:
    sandbox, base_url = serve()
    warehouse.load(sandbox, base_url, "items", company=sandbox.company_id)
    assert warehouse.count("items") == len(sandbox.state.sets["items"])
    assert not [r for r in sandbox.request_log if r.path.endswith("/companies")]


# --- quarantine and the custom pages ----------------------------------------------------------


def test_entities_that_cannot_land_are_quarantined_and_the_others_land(
    warehouse: Warehouse, serve: Serve
) -> None:
    sandbox, base_url = serve()
    memo = sandbox.state.sets["salesCreditMemos"][2]
    sandbox.touch("salesCreditMemos", {"number": memo["number"]}, totalAmountIncludingTax="n/a")
    entry = sandbox.state.sets["generalLedgerEntries"][5]
    sandbox.touch(
        "generalLedgerEntries", {"entryNumber": entry["entryNumber"]}, postingDate="31/12/2026"
    )
    invoice = sandbox.state.sets["salesInvoices"][0]
    invoice["id"] = ""
    tables = ("general_ledger_entries", "sales_credit_memos", "sales_invoices")

    warehouse.load(sandbox, base_url, *tables)

    quarantined = warehouse.rows(
        "select entity, record_ref, reason from business_central.quarantine order by entity"
    )
    assert quarantined == [
        (
            "general_ledger_entries",
            f"generalLedgerEntries entryNumber={entry['entryNumber']}",
            f"generalLedgerEntries entryNumber={entry['entryNumber']}: "
            "postingDate '31/12/2026' is not a date (YYYY-MM-DD)",
        ),
        (
            "sales_credit_memos",
            f"salesCreditMemos number={memo['number']}",
            f"salesCreditMemos number={memo['number']}: "
            "totalAmountIncludingTax 'n/a' is not a number",
        ),
        (
            "sales_invoices",
            f"salesInvoices number={invoice['number']}",
            f"salesInvoices number={invoice['number']} has no `id`",
        ),
    ]
    assert warehouse.count("sales_credit_memos") == len(sandbox.state.sets["salesCreditMemos"]) - 1
    assert warehouse.count("sales_invoices") == len(sandbox.state.sets["salesInvoices"]) - 1
    # A rerun over the same bad records keeps one quarantine row each.
    warehouse.load(sandbox, base_url, *tables)
    assert warehouse.count("quarantine") == 3


def test_without_the_custom_api_its_tables_exist_empty_and_a_warning_says_why(
    warehouse: Warehouse, serve: Serve, caplog: pytest.LogCaptureFixture
) -> None:
    sandbox, base_url = serve()
    caplog.set_level(logging.WARNING)
    custom_tables = ("shipment_trackings", "item_location_stocks", "marketplace_items")
    warehouse.load(sandbox, base_url, *custom_tables, "sales_shipments", custom_api_path=None)
    for table in ("shipment_trackings", "item_location_stocks", "marketplace_items"):
        assert warehouse.count(table) == 0
    assert "custom_api_path" in caplog.text
    assert not [r for r in sandbox.request_log if "/miraklRecon/" in r.path]
    assert warehouse.count("sales_shipments") == len(sandbox.state.sets["salesShipments"])


def test_custom_page_names_are_configurable(warehouse: Warehouse, serve: Serve) -> None:
    custom = CustomApi(
        publisher="contoso",
        group="mirakl",
        version="v2.1",
        shipment_trackings="postedShipmentTracking",
    )
    sandbox, base_url = serve(custom_api=custom)
    warehouse.load(
        sandbox,
        base_url,
        "shipment_trackings",
        custom_api_path="contoso/mirakl/v2.1",
        shipment_trackings_page="postedShipmentTracking",
    )
    assert warehouse.count("shipment_trackings") == len(
        sandbox.state.sets["postedShipmentTracking"]
    )
    page = f"/api/contoso/mirakl/v2.1/companies({sandbox.company_id})/postedShipmentTracking"
    assert any(r.path.endswith(page) for r in sandbox.request_log)
    assert column("packageTrackingNumber") in warehouse.column_types("shipment_trackings")
