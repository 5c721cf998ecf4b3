"""The sandbox's asynchronous order export (OR13 → OR14 → OR15), as Mirakl documents it.

- OR13 needs at least one date range, each start paired with its end, chunk sizes within
  Mirakl's bounds, and allows one running export per shop;
- OR14 answers PENDING until the export is built, then COMPLETED with one URL per chunk;
- the chunks (OR15) hold every order of the range exactly once, in the OR11 order schema, as
  the orders stood when the export was requested.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.sandbox.conftest import RunningSandbox, StartSandbox
from tests.support.mirakl_openapi import contract_errors, response_validator

WHOLE_HISTORY = {
    "start_update_date": "2000-01-01T00:00:00Z",
    "end_update_date": "2100-01-01T00:00:00Z",
}


def start_export(mirakl: RunningSandbox, **body: Any) -> str:
    response = mirakl.post("/orders/async-export", json={**WHOLE_HISTORY, **body})
    assert response.status_code == 200, response.text
    return response.json()["tracking_id"]


def poll(mirakl: RunningSandbox, tracking_id: str) -> dict[str, Any]:
    response = mirakl.get(f"/orders/async-export/status/{tracking_id}")
    assert response.status_code == 200, response.text
    return response.json()


def download(mirakl: RunningSandbox, url: str) -> list[dict[str, Any]]:
    response = mirakl.session.get(url, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()["orders"]


def test_an_export_is_pending_then_completed_with_every_order_once(
    start_sandbox: StartSandbox,
) -> None:
    mirakl = start_sandbox(export_polls_until_complete=2)
    tracking_id = start_export(mirakl)

    statuses = [poll(mirakl, tracking_id) for _ in range(3)]

    assert [status["status"] for status in statuses] == ["PENDING", "PENDING", "COMPLETED"]
    assert "urls" not in statuses[0]
    for status in statuses:
        assert not contract_errors(response_validator("OR14"), status)
    exported = [order for url in statuses[-1]["urls"] for order in download(mirakl, url)]
    served = mirakl.sandbox.state.orders
    assert sorted(order["order_id"] for order in exported) == sorted(served)
    assert not contract_errors(response_validator("OR15"), {"orders": exported})


def test_chunks_respect_items_per_chunk(start_sandbox: StartSandbox) -> None:
    mirakl = start_sandbox(export_items_per_chunk_minimum=1, export_polls_until_complete=0)
    tracking_id = start_export(mirakl, items_per_chunk=25)

    urls = poll(mirakl, tracking_id)["urls"]
    chunks = [download(mirakl, url) for url in urls]

    total = len(mirakl.sandbox.state.orders)
    assert len(urls) == -(-total // 25)
    assert all(len(chunk) <= 25 for chunk in chunks)
    assert sum(len(chunk) for chunk in chunks) == total


def test_the_export_is_a_snapshot_of_the_moment_it_was_requested(
    start_sandbox: StartSandbox,
) -> None:
    mirakl = start_sandbox(export_polls_until_complete=0)
    tracking_id = start_export(mirakl)
    order_id = next(iter(mirakl.sandbox.state.orders))
    mirakl.sandbox.touch_order(order_id, has_incident=True)

    exported = download(mirakl, poll(mirakl, tracking_id)["urls"][0])

    (order,) = [order for order in exported if order["order_id"] == order_id]
    assert order["has_incident"] is not True


def test_the_update_range_filters_the_orders(start_sandbox: StartSandbox) -> None:
    mirakl = start_sandbox(export_polls_until_complete=0)
    stamps = sorted(order["last_updated_date"] for order in mirakl.sandbox.state.orders.values())
    middle = stamps[len(stamps) // 2]
    tracking_id = start_export(mirakl, start_update_date=middle)

    exported = [
        order for url in poll(mirakl, tracking_id)["urls"] for order in download(mirakl, url)
    ]

    assert exported
    assert len(exported) < len(stamps)
    assert all(order["last_updated_date"] >= middle for order in exported)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "at least one date range"),
        ({"start_update_date": "2024-01-01T00:00:00Z"}, "must be used with 'end_update_date'"),
        ({**WHOLE_HISTORY, "items_per_chunk": 500}, "items_per_chunk"),
        ({**WHOLE_HISTORY, "megabytes_per_chunk": 5000}, "megabytes_per_chunk"),
        ({**WHOLE_HISTORY, "order_state_codes": ["LOST"]}, "order_state_codes"),
    ],
)
def test_a_request_outside_the_contract_is_refused(
    mirakl: RunningSandbox, body: dict[str, Any], message: str
) -> None:
    response = mirakl.post("/orders/async-export", json=body)

    assert response.status_code == 400
    assert message in response.json()["message"]


def test_only_one_export_runs_at_a_time(start_sandbox: StartSandbox) -> None:
    mirakl = start_sandbox(export_polls_until_complete=5)
    start_export(mirakl)

    second = mirakl.post("/orders/async-export", json=WHOLE_HISTORY)

    assert second.status_code == 400
    assert "already running" in second.json()["message"]


def test_status_and_files_need_the_key_and_a_known_tracking_id(mirakl: RunningSandbox) -> None:
    tracking_id = start_export(mirakl)

    assert mirakl.get("/orders/async-export/status/no-such-export").status_code == 404
    anonymous = mirakl.session.get(
        f"{mirakl.api}/orders/async-export/status/{tracking_id}",
        headers={"Authorization": ""},
        timeout=10,
    )
    assert anonymous.status_code == 401
