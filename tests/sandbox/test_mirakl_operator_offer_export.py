"""The Mirakl operator sandbox exports offers as OF52/OF53/OF54 describe, over real HTTP.

Responses are validated against Mirakl's own OpenAPI document (tests/support/mirakl_openapi.py):
OF52 and OF53 bodies against their operations, OF54 items against the export file's schema.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
import requests

from sandbox.mirakl.operator import MiraklOperatorSandbox, OperatorConfig
from sandbox.world.operator import OperatorLayout, generate_operator_world
from tests.conftest import AS_OF
from tests.support.mirakl_openapi import contract_errors, response_validator, schema_validator

KEY = "operator-key-1c9e"
EXPORT = "/api/offers/export/async"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> OperatorLayout:
    return generate_operator_world(tmp_path_factory.mktemp("operator"), seed=3, as_of=AS_OF)


class Operator:
    def __init__(self, sandbox: MiraklOperatorSandbox, base_url: str) -> None:
        self.sandbox = sandbox
        self.base_url = base_url
        self.session = requests.Session()
        self.session.headers["Authorization"] = KEY

    def export(self, **body: Any) -> str:
        answer = self.session.post(self.base_url + EXPORT, json=body, timeout=10)
        assert answer.status_code == 200, answer.text
        return answer.json()["tracking_id"]

    def status(self, tracking_id: str) -> dict[str, Any]:
        answer = self.session.get(f"{self.base_url}{EXPORT}/status/{tracking_id}", timeout=10)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def completed(self, tracking_id: str) -> dict[str, Any]:
        for _ in range(5):
            status = self.status(tracking_id)
            if status["status"] == "COMPLETED":
                return status
        raise AssertionError("the export never completed")

    def files(self, tracking_id: str) -> list[requests.Response]:
        return [self.session.get(url, timeout=10) for url in self.completed(tracking_id)["urls"]]

    def offers(self, **body: Any) -> list[dict[str, Any]]:
        body.setdefault("export_type", "application/json")
        return [offer for f in self.files(self.export(**body)) for offer in f.json()]


@pytest.fixture
def start(world: OperatorLayout) -> Iterator[Any]:
    with ExitStack() as stack:

        def start_operator(**config: Any) -> Operator:
            sandbox = MiraklOperatorSandbox.from_world(
                world.root, OperatorConfig(api_key=KEY, **config)
            )
            operator = Operator(sandbox, stack.enter_context(sandbox.serve()))
            stack.callback(operator.session.close)
            return operator

        yield start_operator


@pytest.fixture
def operator(start) -> Operator:
    return start()


def assert_conforms(validator, payload: Any) -> None:
    errors = contract_errors(validator, payload)
    assert not errors, "\n".join(errors)


def test_of52_and_of53_answer_what_the_spec_declares(operator):
    answer = operator.session.post(
        operator.base_url + EXPORT, json={"export_type": "application/json"}, timeout=10
    )
    assert_conforms(response_validator("OF52"), answer.json())
    tracking_id = answer.json()["tracking_id"]
    pending = operator.status(tracking_id)
    assert pending["status"] == "PENDING" and "urls" not in pending
    assert_conforms(response_validator("OF53"), pending)
    completed = operator.completed(tracking_id)
    assert completed["urls"]
    assert_conforms(response_validator("OF53"), completed)


def test_of54_items_match_the_export_file_schema(operator):
    offers = operator.offers(include_inactive_offers=True)
    assert offers
    validator = schema_validator("OF54_Response_200_Ext_FileStructure")
    for offer in offers:
        assert_conforms(validator, offer)


def test_a_full_export_holds_active_offers_unless_inactive_ones_are_asked_for(operator, world):
    everything = world.offers()
    active = {o["offer_id"] for o in everything if o["active"] and not o["deleted"]}
    living = {o["offer_id"] for o in everything if not o["deleted"]}
    assert {o["offer_id"] for o in operator.offers()} == active
    assert {o["offer_id"] for o in operator.offers(include_inactive_offers=True)} == living
    assert active < living


def test_a_differential_export_holds_every_change_deleted_ones_reduced(operator, world):
    since = AS_OF - dt.timedelta(days=2)
    changed = operator.offers(last_request_date=since.isoformat().replace("+00:00", "Z"))
    expected = {
        o["offer_id"]
        for o in world.offers()
        if dt.datetime.fromisoformat(o["last_updated"].replace("Z", "+00:00")) >= since
    }
    assert {o["offer_id"] for o in changed} == expected
    deleted = [o for o in changed if o["deleted"]]
    assert deleted, "the world deletes offers within two days of as_of"
    for offer in deleted:
        assert set(offer) == {"offer_id", "product_sku", "shop_id", "shop_sku", "active", "deleted"}
    assert any(not o["active"] and not o["deleted"] for o in changed)


def test_a_change_made_after_an_export_shows_in_the_next_differential(operator):
    first = operator.offers(include_inactive_offers=True)
    # Mirakl's dates carry milliseconds at most.
    since = operator.sandbox.now().replace(microsecond=0)
    offer_id = first[0]["offer_id"]
    operator.sandbox.update_offer(offer_id, quantity=999)
    changed = operator.offers(last_request_date=since.isoformat().replace("+00:00", "Z"))
    assert [(o["offer_id"], o["quantity"]) for o in changed] == [(offer_id, 999)]


def test_inactive_offers_cannot_be_asked_for_in_differential_mode(operator):
    answer = operator.session.post(
        operator.base_url + EXPORT,
        json={"last_request_date": "2026-04-01T00:00:00Z", "include_inactive_offers": True},
        timeout=10,
    )
    assert answer.status_code == 400 and "include_inactive_offers" in answer.json()["message"]


@pytest.mark.parametrize(
    "body",
    [
        {"export_type": "application/xml"},
        {"last_request_date": "2026-04-01"},
        {"items_per_chunk": 10},
        {"megabytes_per_chunk": 5000},
        {"export_type": "application/json", "include_fields": ["offer_id", "no_such_field"]},
        {"export_type": "application/json", "rename_fields": {"offer_id": "id"}},
    ],
)
def test_malformed_requests_are_refused_with_a_reason(operator, body):
    answer = operator.session.post(operator.base_url + EXPORT, json=body, timeout=10)
    assert answer.status_code == 400
    assert answer.json()["message"].startswith("VALIDATION_ERROR")


def test_an_identical_request_while_building_answers_the_same_tracking_id(operator):
    first = operator.export(export_type="application/json")
    assert operator.export(export_type="application/json") == first
    operator.completed(first)
    assert operator.export(export_type="application/json") != first


def test_exports_are_cut_into_chunks_of_items_per_chunk(start, world):
    operator = start(export_items_per_chunk_minimum=5, export_polls_until_complete=2)
    tracking_id = operator.export(export_type="application/json", items_per_chunk=10)
    assert [operator.status(tracking_id)["status"] for _ in range(2)] == ["PENDING", "PENDING"]
    files = operator.files(tracking_id)
    sizes = [len(f.json()) for f in files]
    assert all(size == 10 for size in sizes[:-1]) and 0 < sizes[-1] <= 10
    ids = [o["offer_id"] for f in files for o in f.json()]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)


def test_a_csv_export_is_semicolon_separated_and_quoted_like_of51(operator, world):
    tracking_id = operator.export(include_fields=["offer-id", "shop-sku", "quantity", "price"])
    [file] = operator.files(tracking_id)
    assert file.headers["Content-Type"].startswith("text/csv")
    lines = file.text.splitlines()
    assert lines[0] == '"offer-id";"shop-sku";"quantity";"price"'
    rows = list(csv.DictReader(io.StringIO(file.text), delimiter=";"))
    by_id = {o["offer_id"]: o for o in world.offers()}
    for row in rows:
        offer = by_id[int(row["offer-id"])]
        assert int(row["quantity"]) == offer["quantity"]
        assert row["price"] == format(offer["prices"][0]["origin_price"], ".2f")


def test_the_operator_key_is_required_and_never_echoed(operator):
    wrong = "wrong-operator-key-00"
    answer = requests.post(
        operator.base_url + EXPORT, json={}, headers={"Authorization": wrong}, timeout=10
    )
    assert answer.status_code == 401 and wrong not in answer.text
    assert requests.post(operator.base_url + EXPORT, json={}, timeout=10).status_code == 401
    logged = [
        r.headers["Authorization"]
        for r in operator.sandbox.request_log
        if r.headers.get("Authorization")
    ]
    assert logged == ["[redacted]"]


def test_unknown_exports_and_unfinished_files_are_404(operator):
    assert (
        operator.session.get(f"{operator.base_url}{EXPORT}/status/nope", timeout=10).status_code
        == 404
    )
    tracking_id = operator.export(export_type="application/json")
    early = operator.session.get(
        f"{operator.base_url}{EXPORT}/file/{tracking_id}?file=of52-export/offers/0.json", timeout=10
    )
    assert early.status_code == 404


def test_the_operator_world_is_deterministic(tmp_path: Path):
    first = generate_operator_world(tmp_path / "a", seed=5, as_of=AS_OF)
    second = generate_operator_world(tmp_path / "b", seed=5, as_of=AS_OF)
    for name in ("offers_path", "storefront_path", "truth_path", "lookalikes_path"):
        assert getattr(first, name).read_bytes() == getattr(second, name).read_bytes()
