"""The Mirakl sandbox answers what Mirakl's own OpenAPI document says it answers.

Every read endpoint, and every write endpoint with a response body, is called over HTTP and its
body validated against the operation's success-response schema in Mirakl's seller OpenAPI
document (JSON Schema draft 2020-12, `#/components/schemas/...` resolved through a
`referencing.Registry` over the whole document). How the document is read, and the four
adjustments made to it, are in tests/support/mirakl_openapi.py; the first tests below pin them.

Worlds: the deterministic test world of tests/support/mirakl_worlds.py, and, when the demo-world
generator (sandbox/world/generate.py) exists, a generated world at small scale.
"""

from __future__ import annotations

import copy
import importlib
import importlib.util
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests

from sandbox import jsonio
from sandbox.mirakl import MiraklSandbox, SandboxConfig
from sandbox.world.layout import WorldLayout
from tests.support import mirakl_openapi
from tests.support.mirakl_openapi import contract_errors, response_validator, schema_validator
from tests.support.mirakl_worlds import (
    RECEIVED_ORDER_FIXTURE,
    SHIPPING_ORDER_FIXTURE,
    build_mirakl_world,
    load_fixture,
)

API_KEY = "sandbox-shop-key"
GENERATED_WORLD_SEED = 11
GENERATED_WORLD_SCALE = 0.1


def assert_conforms(operation_id: str, payload: Any, status: str = "200") -> None:
    errors = contract_errors(response_validator(operation_id, status), payload)
    assert not errors, f"{operation_id} {status} breaks the contract:\n" + "\n".join(errors)


# --- the validator validates ------------------------------------------------------------------


@pytest.fixture(scope="module")
def valid_orders_page(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    world = build_mirakl_world(tmp_path_factory.mktemp("page"), orders=20, transaction_lines=50)
    orders = world.read_mirakl("orders")
    return jsonio.loads(jsonio.dumps({"orders": orders, "total_count": len(orders)}))


def test_a_conforming_page_passes(valid_orders_page: dict[str, Any]) -> None:
    assert_conforms("OR11", valid_orders_page)


@pytest.mark.parametrize(
    ("breakage", "expected"),
    [
        (lambda page: page.update(total_count="20"), "total_count"),
        (lambda page: page.pop("total_count"), "'total_count' is a required property"),
        (lambda page: page["orders"][0].pop("order_id"), "'order_id' is a required property"),
        (lambda page: page["orders"][0].update(order_state="LOST"), "order_state"),
        (lambda page: page["orders"][0].update(price="12.30"), "price"),
        (
            lambda page: page["orders"][0].update(created_date="2026-01-05 10:00:00"),
            "created_date",
        ),
        (
            lambda page: page["orders"][0]["order_lines"][0].update(quantity=1.5),
            "quantity",
        ),
    ],
    ids=[
        "total_count-as-string",
        "total_count-missing",
        "order_id-missing",
        "state-not-in-the-enum",
        "price-as-string",
        "date-without-zone",
        "quantity-not-integer",
    ],
)
def test_a_broken_payload_fails(
    valid_orders_page: dict[str, Any], breakage: Any, expected: str
) -> None:
    page = copy.deepcopy(valid_orders_page)
    breakage(page)
    errors = contract_errors(response_validator("OR11"), page)
    assert errors, "the validator accepted a broken payload"
    assert any(expected in error for error in errors), errors


def test_null_is_accepted_but_a_required_property_must_be_present(
    valid_orders_page: dict[str, Any],
) -> None:
    page = copy.deepcopy(valid_orders_page)
    # "Null before shipping", says the document of the address; Mirakl's own fixtures agree.
    page["orders"][0]["customer"]["shipping_address"] = None
    page["orders"][0]["order_lines"][0]["description"] = None
    assert_conforms("OR11", page)
    del page["orders"][0]["order_lines"][0]["description"]
    assert contract_errors(response_validator("OR11"), page) == [
        "orders/0/order_lines/0: 'description' is a required property"
    ]


def test_discriminated_invoices_are_checked_against_their_own_schema() -> None:
    invoice = {"type": "AUTO_INVOICE", "id": "x", "start_time": "not a date"}
    errors = contract_errors(schema_validator("IV01_Response_200"), {"invoices": [invoice]})
    assert any("start_time" in error for error in errors), errors
    manual = {"type": "MANUAL_CREDIT", "id": "x", "start_time": "not a date"}
    assert contract_errors(schema_validator("IV01_Response_200"), {"invoices": [manual]}) == []


def test_the_enumerations_come_from_the_descriptions() -> None:
    schemas = mirakl_openapi.annotated_document()["components"]["schemas"]
    state = schemas["TL02_Response_200_Data"]["properties"]["payment_state"]
    assert set(state["enum"]) == {"PENDING", "PAYABLE", "PAID", "NOT_APPLICABLE", "RESERVE", None}


def test_the_real_2019_orders_predate_fields_the_document_now_requires() -> None:
    """Documents what real (older) Mirakl payloads lack, so that clients never rely on it."""
    shipping = load_fixture(SHIPPING_ORDER_FIXTURE)
    errors = contract_errors(response_validator("OR11"), jsonio.loads(jsonio.dumps(shipping)))
    missing = {error.rsplit("'", 2)[-2] for error in errors}
    assert missing == {
        "can_shop_ship",
        "fulfillment",
        "fully_refunded",
        "order_tax_mode",
        "order_refund_id",  # refunds carry only the deprecated `state`
        "refund_state",
        "tax_calculation_rule",
    }
    received = load_fixture(RECEIVED_ORDER_FIXTURE)
    page = jsonio.loads(jsonio.dumps({"orders": [received], "total_count": 1}))
    assert contract_errors(response_validator("OR11"), page)


# --- worlds -----------------------------------------------------------------------------------


def generated_world(root: Path) -> WorldLayout:
    """A world from the demo-world generator; skipped only while the generator does not exist."""
    if importlib.util.find_spec("sandbox.world.generate") is None:
        pytest.skip("sandbox/world/generate.py does not exist yet")
    # From here on any failure (import, missing function, generation) fails the tests.
    generate = importlib.import_module("sandbox.world.generate").generate_world
    generate(root, seed=GENERATED_WORLD_SEED, scale=GENERATED_WORLD_SCALE)
    return WorldLayout(root)


@pytest.fixture(scope="module", params=["test-world", "generated-world"])
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> WorldLayout:
    root = tmp_path_factory.mktemp(request.param)
    if request.param == "generated-world":
        return generated_world(root)
    return build_mirakl_world(root)


class Client:
    def __init__(self, base_url: str) -> None:
        self.api = base_url + "/api"
        self.session = requests.Session()
        self.session.headers["Authorization"] = API_KEY

    def get(self, path: str, params: Any = None) -> requests.Response:
        response = self.session.get(self.api + path, params=params, timeout=30)
        assert response.status_code == 200, (path, params, response.text)
        return response


@pytest.fixture(scope="module")
def reader(world: WorldLayout) -> Iterator[Client]:
    """One sandbox per world for the read-only calls."""
    sandbox = MiraklSandbox.from_world(world.root, config=SandboxConfig())
    with sandbox.serve() as base_url:
        client = Client(base_url)
        yield client
        client.session.close()


@pytest.fixture
def writer(world: WorldLayout) -> Iterator[tuple[MiraklSandbox, Client]]:
    """A fresh sandbox per write test, so that writes never leak into other tests."""
    sandbox = MiraklSandbox.from_world(world.root, config=SandboxConfig())
    with sandbox.serve() as base_url:
        client = Client(base_url)
        yield sandbox, client
        client.session.close()


# --- read endpoints ---------------------------------------------------------------------------


def offset_pages(client: Client, path: str, params: dict[str, Any]) -> Iterator[Any]:
    response = client.get(path, {**params, "max": 100})
    yield response.json()
    while "next" in response.links:
        response = client.session.get(response.links["next"]["url"], timeout=30)
        assert response.status_code == 200
        yield response.json()


def seek_pages(client: Client, path: str, params: dict[str, Any]) -> Iterator[Any]:
    page = client.get(path, params).json()
    yield page
    while "next_page_token" in page:
        page = client.get(path, {"page_token": page["next_page_token"]}).json()
        yield page


OFFSET_READS = [
    ("OR11", "/orders", "orders", {}),
    ("OR11", "/orders", "orders", {"order_state_codes": "SHIPPING,WAITING_ACCEPTANCE"}),
    ("OR11", "/orders", "orders", {"order": "desc", "start_update_date": "2026-01-01T00:00:00Z"}),
    ("OF21", "/offers", "offers", {}),
    ("IV01", "/invoices", "invoices", {"type": "ALL"}),
]
SEEK_READS = [
    ("TL02", "/sellerpayment/transactions_logs", {"limit": 2000}),
    ("TL02", "/sellerpayment/transactions_logs", {"limit": 500, "sort": "lastUpdated,ASC"}),
    ("SBC11", "/seller-billing-cycles", {"limit": 1000}),
    ("SBC11", "/seller-billing-cycles", {"limit": 3, "pay_out_state": "PAID"}),
]


@pytest.mark.parametrize(("operation", "path", "collection", "params"), OFFSET_READS)
def test_offset_paginated_reads_conform_on_every_page(
    reader: Client,
    world: WorldLayout,
    operation: str,
    path: str,
    collection: str,
    params: dict[str, Any],
) -> None:
    seen = 0
    for page in offset_pages(reader, path, params):
        assert_conforms(operation, page)
        seen += len(page[collection])
    assert seen == page["total_count"]
    if not params:
        assert seen == len(world.read_mirakl(collection)), "every item of the world was checked"


@pytest.mark.parametrize(("operation", "path", "params"), SEEK_READS)
def test_seek_paginated_reads_conform_on_every_page(
    reader: Client, operation: str, path: str, params: dict[str, Any]
) -> None:
    pages = list(seek_pages(reader, path, params))
    for page in pages:
        assert_conforms(operation, page)
    assert sum(len(page["data"]) for page in pages) > 0


@pytest.mark.parametrize(
    ("operation", "path"), [("SH21", "/shipping/carriers"), ("RE01", "/reasons")]
)
def test_reference_lists_conform(reader: Client, operation: str, path: str) -> None:
    assert_conforms(operation, reader.get(path).json())


def test_version_answers_200_as_documented(reader: Client) -> None:
    # V01 documents no body: only the status matters.
    assert reader.get("/version").status_code == 200


# --- write endpoints with a body --------------------------------------------------------------


def refundable_line(world: WorldLayout) -> tuple[dict[str, Any], dict[str, Any]]:
    refund_reasons = {r["code"] for r in world.read_mirakl("reasons") if r["type"] == "REFUND"}
    assert refund_reasons, "the world has no REFUND reason (RE01): OR28 cannot be called"
    for order in world.read_mirakl("orders"):
        if order["order_state"] not in ("SHIPPING", "SHIPPED", "RECEIVED"):
            continue
        for line in order["order_lines"]:
            refunded = sum((r["amount"] for r in line["refunds"]), Decimal(0))
            if line["order_line_state"] == order["order_state"] and line["price"] - refunded >= 1:
                return order, line
    raise AssertionError("the world has no paid order line left to refund")


def test_or28_refund_answer_and_the_refunded_order_conform(
    writer: tuple[MiraklSandbox, Client], world: WorldLayout
) -> None:
    _, client = writer
    order, line = refundable_line(world)
    reason = next(r["code"] for r in world.read_mirakl("reasons") if r["type"] == "REFUND")
    refund = {
        "order_line_id": line["order_line_id"],
        "amount": Decimal("1.00"),
        "shipping_amount": Decimal("0"),
        "reason_code": reason,
        "quantity": 1,
        "taxes": [{"code": tax["code"], "amount": Decimal("0")} for tax in line["taxes"]],
        "shipping_taxes": [
            {"code": tax["code"], "amount": Decimal("0")} for tax in line["shipping_taxes"]
        ],
    }
    response = client.session.put(
        client.api + "/orders/refund",
        data=jsonio.dumps({"refunds": [refund]}),
        headers={"Content-Type": "application/json"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    assert_conforms("OR28", response.json())
    assert_conforms("OR11", client.get("/orders", {"order_ids": order["order_id"]}).json())


def test_stock_import_answers_conform_at_every_step(
    writer: tuple[MiraklSandbox, Client], world: WorldLayout
) -> None:
    _, client = writer
    sku = world.read_mirakl("offers")[0]["shop_sku"]
    csv_text = f'"offer-sku";"quantity";"warehouse-code";"update-delete"\n"{sku}";"5";"";""\n'
    created = client.session.post(
        client.api + "/offers/stock/imports",
        files={"file": ("stock.csv", csv_text.encode(), "text/csv")},
        timeout=30,
    )
    assert created.status_code == 201, created.text
    assert_conforms("STO01", created.json(), "201")
    statuses = []
    for _ in range(3):
        status = client.get(f"/offers/stock/imports/{created.json()['import_id']}/status").json()
        assert_conforms("STO02", status)
        statuses.append(status["status"])
    assert statuses[-1] == "COMPLETE"


def test_of24_answer_and_the_replaced_offer_conform(
    writer: tuple[MiraklSandbox, Client], world: WorldLayout
) -> None:
    _, client = writer
    offer = world.read_mirakl("offers")[0]
    payload = {
        "offers": [
            {
                "shop_sku": offer["shop_sku"],
                "product_id": offer["product_sku"],
                "product_id_type": "SHOP_SKU",
                "price": Decimal("10.00"),
                "state_code": offer["state_code"],
                "update_delete": "update",
                "quantity": 3,
            }
        ]
    }
    created = client.session.post(
        client.api + "/offers",
        data=jsonio.dumps(payload),
        headers={"Content-Type": "application/json"},
        timeout=30,
    )
    assert created.status_code == 201, created.text
    assert_conforms("OF24", created.json(), "201")
    assert_conforms("OF21", client.get("/offers", {"sku": offer["shop_sku"]}).json())
