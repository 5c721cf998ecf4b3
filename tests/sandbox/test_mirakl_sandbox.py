"""How the Mirakl sandbox behaves, over real HTTP: the seller API contract as clients meet it.

Each test starts its own sandbox on a small deterministic world (tests/support/mirakl_worlds.py)
and talks to it with `requests`, as the project's clients do.
"""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from sandbox import jsonio
from sandbox.http import FaultPlan
from sandbox.world.layout import WorldLayout
from tests.sandbox.conftest import API_KEY, RunningSandbox, StartSandbox
from tests.support.mirakl_worlds import build_fixture_world, fixture_orders

STOCK_HEADER = '"offer-sku";"quantity";"warehouse-code";"update-delete"'


def body(response: requests.Response) -> Any:
    """The JSON body with decimals kept exact, as the project's clients read it."""
    return jsonio.loads(response.content)


def links(response: requests.Response) -> dict[str, str]:
    return {rel: link["url"] for rel, link in response.links.items()}


def orders_in(world: WorldLayout, state: str) -> list[dict[str, Any]]:
    return [order for order in world.read_mirakl("orders") if order["order_state"] == state]


def get_order(mirakl: RunningSandbox, order_id: str) -> dict[str, Any]:
    (order,) = body(mirakl.get("/orders", {"order_ids": order_id}))["orders"]
    return order


def stamp(value: dt.datetime) -> str:
    return jsonio.format_timestamp(value)


# --- offset pagination (OR11, OF21, IV01) -----------------------------------------------------


def test_or11_pages_with_max_and_offset_following_the_link_header(
    mirakl: RunningSandbox, small_world: WorldLayout
) -> None:
    first = mirakl.get("/orders", {"max": 25})
    assert first.status_code == 200
    page = body(first)
    assert page["total_count"] == 60
    assert len(page["orders"]) == 25
    assert "previous" not in links(first)
    next_query = parse_qs(urlsplit(links(first)["next"]).query)
    assert next_query["offset"] == ["25"] and next_query["max"] == ["25"]

    seen = [order["order_id"] for order in page["orders"]]
    response = first
    while "next" in links(response):
        response = mirakl.session.get(links(response)["next"], timeout=10)
        assert response.status_code == 200
        assert "previous" in links(response)
        seen += [order["order_id"] for order in body(response)["orders"]]
    # Sorted by creation date, ascending by default: the world's order.
    assert seen == [order["order_id"] for order in small_world.read_mirakl("orders")]


def test_or11_default_page_is_10_orders(mirakl: RunningSandbox) -> None:
    page = body(mirakl.get("/orders"))
    assert len(page["orders"]) == 10
    assert page["total_count"] == 60


def test_or11_max_above_100_is_refused_with_a_message(mirakl: RunningSandbox) -> None:
    response = mirakl.get("/orders", {"max": 101})
    assert response.status_code == 400
    assert "max" in response.json()["message"]


def test_or11_last_page_has_no_next_link(mirakl: RunningSandbox) -> None:
    response = mirakl.get("/orders", {"max": 100})
    assert len(body(response)["orders"]) == 60
    assert "next" not in links(response)
    beyond = mirakl.get("/orders", {"max": 10, "offset": 60})
    assert body(beyond) == {"orders": [], "total_count": 60}


def test_or11_paginate_false_returns_every_order_at_once(mirakl: RunningSandbox) -> None:
    response = mirakl.get("/orders", {"paginate": "false", "max": 5})
    assert len(body(response)["orders"]) == body(response)["total_count"] == 60
    assert "next" not in links(response)


def test_or11_sorts_by_creation_date_descending_on_request(mirakl: RunningSandbox) -> None:
    orders = body(mirakl.get("/orders", {"max": 100, "sort": "dateCreated", "order": "desc"}))
    created = [order["created_date"] for order in orders["orders"]]
    assert created == sorted(created, key=jsonio.parse_timestamp, reverse=True)
    assert mirakl.get("/orders", {"sort": "totalPrice"}).status_code == 400


def test_or11_filters_by_order_ids_and_states(
    mirakl: RunningSandbox, small_world: WorldLayout
) -> None:
    ids = [order["order_id"] for order in small_world.read_mirakl("orders")[:3]]
    page = body(mirakl.get("/orders", {"order_ids": ",".join(ids)}))
    assert [order["order_id"] for order in page["orders"]] == ids

    waiting = body(mirakl.get("/orders", {"order_state_codes": "WAITING_ACCEPTANCE,SHIPPING"}))
    assert {order["order_state"] for order in waiting["orders"]} == {
        "WAITING_ACCEPTANCE",
        "SHIPPING",
    }
    assert waiting["total_count"] == len(orders_in(small_world, "WAITING_ACCEPTANCE")) + len(
        orders_in(small_world, "SHIPPING")
    )
    assert mirakl.get("/orders", {"order_state_codes": "LOST"}).status_code == 400


def test_or11_filters_by_creation_window_inclusively(
    mirakl: RunningSandbox, small_world: WorldLayout
) -> None:
    orders = small_world.read_mirakl("orders")
    start, end = orders[10]["created_date"], orders[19]["created_date"]
    page = body(mirakl.get("/orders", {"start_date": start, "end_date": end, "max": 100}))
    assert [o["order_id"] for o in page["orders"]] == [o["order_id"] for o in orders[10:20]]


@pytest.mark.parametrize(
    "value",
    ["2026-01-15T10:00:00Z", "2026-01-15T11:00:00+01:00", "2026-01-15T10:00:00.000+00:00"],
)
def test_or11_reads_dates_with_z_or_an_offset(mirakl: RunningSandbox, value: str) -> None:
    # requests URL-encodes the "+" as %2B, as Mirakl requires.
    utc = body(mirakl.get("/orders", {"start_date": "2026-01-15T10:00:00Z", "max": 100}))
    same = body(mirakl.get("/orders", {"start_date": value, "max": 100}))
    assert same == utc


@pytest.mark.parametrize(
    ("raw_query", "hint"),
    [
        # A "+" sent unencoded arrives as a space.
        ("start_date=2026-01-15T11:00:00+01:00", "%2B"),
        ("start_date=2026-01-15", "time zone"),
        ("start_date=2026-01-15T10:00:00", "time zone"),
        ("start_date=yesterday", "ISO 8601"),
    ],
)
def test_or11_refuses_dates_that_are_not_iso_8601_with_a_zone(
    mirakl: RunningSandbox, raw_query: str, hint: str
) -> None:
    response = mirakl.session.get(f"{mirakl.api}/orders?{raw_query}", timeout=10)
    assert response.status_code == 400
    assert hint in response.json()["message"]


def test_or11_widens_start_update_date_by_the_overlap_as_mirakl_does(
    start_sandbox: StartSandbox, small_world: WorldLayout
) -> None:
    order_id = small_world.read_mirakl("orders")[5]["order_id"]
    for overlap, expected in ((300, [order_id]), (0, [])):
        mirakl = start_sandbox(update_overlap_seconds=overlap)
        touched = mirakl.sandbox.touch_order(order_id, has_customer_message=True)
        updated_at = jsonio.parse_timestamp(touched["last_updated_date"])
        # Ask for updates from two minutes after the change: only the overlap brings it back.
        since = stamp(updated_at + dt.timedelta(minutes=2))
        page = body(mirakl.get("/orders", {"start_update_date": since}))
        assert [order["order_id"] for order in page["orders"]] == expected


def test_of21_pages_offers_and_filters_by_sku(
    mirakl: RunningSandbox, small_world: WorldLayout
) -> None:
    offers = small_world.read_mirakl("offers")
    first = mirakl.get("/offers", {"max": 15})
    assert body(first)["total_count"] == len(offers)
    assert "next" in links(first)
    prices = [offer["total_price"] for offer in body(mirakl.get("/offers", {"max": 100}))["offers"]]
    assert prices == sorted(prices)  # totalPrice, ascending, by default

    one = body(mirakl.get("/offers", {"sku": "24-MB01"}))
    assert one["total_count"] == 1
    assert one["offers"][0]["offer_id"] == 2199


def test_iv01_lists_auto_invoices_unless_asked_for_all_types(
    mirakl: RunningSandbox, small_world: WorldLayout
) -> None:
    invoices = small_world.read_mirakl("invoices")
    default = body(mirakl.get("/invoices", {"max": 100}))
    assert {invoice["type"] for invoice in default["invoices"]} == {"AUTO_INVOICE"}
    everything = body(mirakl.get("/invoices", {"max": 100, "type": "ALL"}))
    assert everything["total_count"] == len(invoices) > default["total_count"]


# --- seek pagination (TL02, SBC11) ------------------------------------------------------------


def crawl(mirakl: RunningSandbox, path: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Every page of a seek endpoint, following next_page_token."""
    pages = [body(mirakl.get(path, params))]
    while "next_page_token" in pages[-1]:
        pages.append(body(mirakl.get(path, {"page_token": pages[-1]["next_page_token"]})))
    return pages


def test_tl02_pages_forward_with_tokens_until_the_last_page(
    mirakl: RunningSandbox, small_world: WorldLayout
) -> None:
    pages = crawl(mirakl, "/sellerpayment/transactions_logs", {"limit": 70})
    assert [len(page["data"]) for page in pages] == [70, 70, 70, 70, 20]
    assert "previous_page_token" not in pages[0]
    assert all("previous_page_token" in page for page in pages[1:])
    assert "next_page_token" not in pages[-1]
    ids = [line["id"] for page in pages for line in page["data"]]
    assert sorted(ids) == sorted(line["id"] for line in small_world.read_mirakl("transaction_logs"))


def test_tl02_sorts_by_creation_date_descending_by_default(mirakl: RunningSandbox) -> None:
    (page,) = crawl(mirakl, "/sellerpayment/transactions_logs", {"limit": 2000})
    created = [jsonio.parse_timestamp(line["date_created"]) for line in page["data"]]
    assert created == sorted(created, reverse=True)
    (ascending,) = crawl(
        mirakl, "/sellerpayment/transactions_logs", {"limit": 2000, "sort": "lastUpdated,ASC"}
    )
    updated = [jsonio.parse_timestamp(line["last_updated"]) for line in ascending["data"]]
    assert updated == sorted(updated)
    bad = mirakl.get("/sellerpayment/transactions_logs", {"sort": "amount,ASC"})
    assert bad.status_code == 400


def test_tl02_page_token_carries_the_original_parameters_and_ignores_new_ones(
    mirakl: RunningSandbox,
) -> None:
    first = body(
        mirakl.get(
            "/sellerpayment/transactions_logs", {"limit": 5, "transaction_type": "ORDER_AMOUNT"}
        )
    )
    second = body(
        mirakl.get(
            "/sellerpayment/transactions_logs",
            {"page_token": first["next_page_token"], "limit": 500, "transaction_type": "PAYMENT"},
        )
    )
    assert len(second["data"]) == 5
    assert {line["type"] for line in first["data"] + second["data"]} == {"ORDER_AMOUNT"}
    assert not {line["id"] for line in first["data"]} & {line["id"] for line in second["data"]}


def test_tl02_previous_page_token_goes_back_one_page(mirakl: RunningSandbox) -> None:
    first = body(mirakl.get("/sellerpayment/transactions_logs", {"limit": 40}))
    second = body(
        mirakl.get("/sellerpayment/transactions_logs", {"page_token": first["next_page_token"]})
    )
    back = body(
        mirakl.get(
            "/sellerpayment/transactions_logs", {"page_token": second["previous_page_token"]}
        )
    )
    assert back["data"] == first["data"]


def test_tl02_refuses_a_limit_above_2000_and_a_forged_token(mirakl: RunningSandbox) -> None:
    too_many = mirakl.get("/sellerpayment/transactions_logs", {"limit": 2001})
    assert too_many.status_code == 400
    assert "limit" in too_many.json()["message"]
    forged = mirakl.get("/sellerpayment/transactions_logs", {"page_token": "not-a-token"})
    assert forged.status_code == 400


def test_tl02_amount_is_the_credit_minus_the_debit(mirakl: RunningSandbox) -> None:
    (page,) = crawl(mirakl, "/sellerpayment/transactions_logs", {"limit": 2000})
    assert page["data"]
    for line in page["data"]:
        assert line["amount"] == line["amount_credited"] - line["amount_debited"], line["id"]
    payments = [line for line in page["data"] if line["type"] == "PAYMENT"]
    assert payments and all(line["amount"] < 0 for line in payments)


def test_tl02_filters_by_billing_cycle_repeated_or_comma_separated(
    mirakl: RunningSandbox, small_world: WorldLayout
) -> None:
    cycles = [cycle["id"] for cycle in small_world.read_mirakl("billing_cycles")[:2]]
    lines = small_world.read_mirakl("transaction_logs")
    expected = sorted(line["id"] for line in lines if line["seller_billing_cycle_id"] in cycles)
    path = "/sellerpayment/transactions_logs"
    repeated = body(mirakl.get(path, {"limit": 2000, "seller_billing_cycle_id": cycles}))
    comma = body(mirakl.get(path, {"limit": 2000, "seller_billing_cycle_id": ",".join(cycles)}))
    assert sorted(line["id"] for line in repeated["data"]) == expected
    assert comma == repeated


def test_sbc11_pages_billing_cycles_with_inclusive_dates_and_a_1000_limit(
    mirakl: RunningSandbox, small_world: WorldLayout
) -> None:
    cycles = small_world.read_mirakl("billing_cycles")
    pages = crawl(mirakl, "/seller-billing-cycles", {"limit": 4})
    assert [c["id"] for page in pages for c in page["data"]] == [c["id"] for c in cycles]
    window = {"start_date": cycles[1]["date_created"], "end_date": cycles[2]["date_created"]}
    inside = body(mirakl.get("/seller-billing-cycles", window))
    assert [c["id"] for c in inside["data"]] == [cycles[1]["id"], cycles[2]["id"]]
    assert mirakl.get("/seller-billing-cycles", {"limit": 1001}).status_code == 400


# --- authentication, shop, routing ------------------------------------------------------------


def test_every_api_call_needs_the_shop_key_raw_in_authorization(
    mirakl: RunningSandbox,
) -> None:
    for headers in ({}, {"Authorization": "wrong-key"}, {"Authorization": f"Bearer {API_KEY}"}):
        response = requests.get(f"{mirakl.api}/version", headers=headers, timeout=10)
        assert response.status_code == 401
        assert response.json()["message"]
        assert "wrong-key" not in response.text and API_KEY not in response.text
    bearer = requests.get(
        f"{mirakl.api}/orders", headers={"Authorization": f"Bearer {API_KEY}"}, timeout=10
    )
    assert "Bearer" in bearer.json()["message"]
    assert mirakl.get("/version").status_code == 200
    # Header names are case-insensitive.
    lower = requests.get(f"{mirakl.api}/version", headers={"authorization": API_KEY}, timeout=10)
    assert lower.status_code == 200


def test_shop_id_of_the_world_is_accepted_and_any_other_forbidden(
    mirakl: RunningSandbox, small_world: WorldLayout
) -> None:
    shop_id = small_world.read_manifest().shop_id
    assert mirakl.get("/orders", {"shop_id": shop_id}).status_code == 200
    other = mirakl.get("/orders", {"shop_id": shop_id + 1})
    assert other.status_code == 403
    assert other.json()["message"]


def test_unknown_paths_and_methods_answer_json_errors(mirakl: RunningSandbox) -> None:
    missing = mirakl.get("/ordres")
    assert missing.status_code == 404
    assert missing.json()["message"]
    wrong_method = mirakl.session.delete(f"{mirakl.api}/orders", timeout=10)
    assert wrong_method.status_code == 405


# --- rate budget and faults -------------------------------------------------------------------


def test_budget_spent_answers_429_with_retry_after_until_the_window_resets(
    start_sandbox: StartSandbox,
) -> None:
    mirakl = start_sandbox(request_budget=3, budget_window_seconds=0.5, retry_after_seconds=1)
    assert [mirakl.get("/version").status_code for _ in range(3)] == [200, 200, 200]
    limited = mirakl.get("/version")
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "1"
    assert limited.json()["message"]
    time.sleep(0.6)
    assert mirakl.get("/version").status_code == 200


def test_injected_errors_are_500_or_503_with_a_json_message(start_sandbox: StartSandbox) -> None:
    mirakl = start_sandbox(faults=FaultPlan(seed=1, error_rate=1.0))
    statuses = set()
    for _ in range(12):
        response = mirakl.get("/orders")
        statuses.add(response.status_code)
        assert response.json()["message"]
    assert statuses == {500, 503}


def test_injected_slowness_delays_the_answer(start_sandbox: StartSandbox) -> None:
    mirakl = start_sandbox(faults=FaultPlan(seed=1, slow_rate=1.0, slow_seconds=0.3))
    started = time.monotonic()
    assert mirakl.get("/version").status_code == 200
    assert time.monotonic() - started >= 0.3


def test_injected_drops_close_the_connection_without_an_answer(
    start_sandbox: StartSandbox,
) -> None:
    mirakl = start_sandbox(faults=FaultPlan(seed=1, drop_rate=1.0))
    with pytest.raises(requests.ConnectionError):
        mirakl.get("/orders")
    (record,) = mirakl.sandbox.request_log
    assert record.status is None and record.fault == "drop"


def test_faults_follow_the_seed(start_sandbox: StartSandbox) -> None:
    plan = FaultPlan(seed=42, error_rate=0.3, slow_rate=0.0, drop_rate=0.0)
    runs = []
    for _ in range(2):
        mirakl = start_sandbox(faults=plan)
        runs.append([mirakl.get("/version").status_code for _ in range(20)])
    assert runs[0] == runs[1]
    assert {200} < set(runs[0])


# --- request log ------------------------------------------------------------------------------


def test_request_log_records_each_call_without_the_api_key(
    start_sandbox: StartSandbox, small_world: WorldLayout, tmp_path: Any
) -> None:
    log_file = tmp_path / "requests.jsonl"
    mirakl = start_sandbox(request_log_path=log_file)
    order_id = orders_in(small_world, "SHIPPING")[0]["order_id"]
    mirakl.get("/orders", {"max": 5, "order_state_codes": "SHIPPING"})
    mirakl.put(f"/orders/{order_id}/tracking", {"carrier_code": "UPS", "tracking_number": "1Z9"})

    read, write = mirakl.sandbox.request_log
    assert (read.method, read.path, read.status) == ("GET", "/api/orders", 200)
    assert read.query == {"max": ["5"], "order_state_codes": ["SHIPPING"]}
    assert read.body is None
    assert (write.method, write.status) == ("PUT", 204)
    assert jsonio.loads(write.body) == {"carrier_code": "UPS", "tracking_number": "1Z9"}
    assert read.headers["Authorization"] != API_KEY
    assert read.at >= mirakl.sandbox.state.as_of
    assert API_KEY not in repr(mirakl.sandbox.request_log)
    lines = log_file.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2 and API_KEY not in log_file.read_text(encoding="utf-8")
    assert jsonio.loads(lines[1])["path"] == f"/api/orders/{order_id}/tracking"


# --- OR21 accept / refuse ---------------------------------------------------------------------


def decisions(order: dict[str, Any], accepted: bool) -> dict[str, Any]:
    return {
        "order_lines": [
            {"id": line["order_line_id"], "accepted": accepted} for line in order["order_lines"]
        ]
    }


def test_or21_accepting_every_line_moves_the_order_on_to_shipping(
    mirakl: RunningSandbox, small_world: WorldLayout
) -> None:
    order = orders_in(small_world, "WAITING_ACCEPTANCE")[0]
    order_id = order["order_id"]

    incomplete = mirakl.put(f"/orders/{order_id}/accept", {"order_lines": []})
    assert incomplete.status_code == 400
    assert "ORDER_LINE_ACCEPTANCE_DECISION_MISSING" in incomplete.json()["message"]

    assert mirakl.put(f"/orders/{order_id}/accept", decisions(order, True)).status_code == 204
    accepted = get_order(mirakl, order_id)
    as_of = mirakl.sandbox.state.as_of
    assert accepted["order_state"] == "SHIPPING"
    assert jsonio.parse_timestamp(accepted["acceptance_decision_date"]) >= as_of
    assert jsonio.parse_timestamp(accepted["customer_debited_date"]) >= as_of
    assert jsonio.parse_timestamp(accepted["last_updated_date"]) >= as_of
    assert {line["order_line_state"] for line in accepted["order_lines"]} == {"SHIPPING"}
    assert all(line["debited_date"] for line in accepted["order_lines"])
    assert accepted["can_shop_ship"] is True

    # The write shows up in an incremental pull from just before it.
    since = stamp(as_of)
    changed = body(mirakl.get("/orders", {"start_update_date": since}))["orders"]
    assert order_id in [o["order_id"] for o in changed]

    again = mirakl.put(f"/orders/{order_id}/accept", decisions(order, True))
    assert again.status_code == 400
    assert "ORDER_INVALID_STATE" in again.json()["message"]
    assert mirakl.put("/orders/NOPE-A/accept", decisions(order, True)).status_code == 404


def test_or21_without_the_operator_debit_the_order_waits_for_payment(
    start_sandbox: StartSandbox, small_world: WorldLayout
) -> None:
    mirakl = start_sandbox(auto_debit_on_accept=False)
    order = orders_in(small_world, "WAITING_ACCEPTANCE")[0]
    assert mirakl.put(f"/orders/{order['order_id']}/accept", decisions(order, True)).ok
    accepted = get_order(mirakl, order["order_id"])
    assert accepted["order_state"] == "WAITING_DEBIT_PAYMENT"
    assert accepted["customer_debited_date"] is None
    assert accepted["acceptance_decision_date"] is not None


def test_or21_refusing_every_line_refuses_the_order(
    mirakl: RunningSandbox, small_world: WorldLayout
) -> None:
    order = orders_in(small_world, "WAITING_ACCEPTANCE")[1]
    assert mirakl.put(f"/orders/{order['order_id']}/accept", decisions(order, False)).ok
    refused = get_order(mirakl, order["order_id"])
    assert refused["order_state"] == "REFUSED"
    assert {line["order_line_state"] for line in refused["order_lines"]} == {"REFUSED"}


# --- OR23 tracking / OR24 ship ----------------------------------------------------------------


def test_or23_sets_tracking_from_a_registered_carrier(
    mirakl: RunningSandbox, small_world: WorldLayout
) -> None:
    order_id = orders_in(small_world, "SHIPPING")[0]["order_id"]
    response = mirakl.put(
        f"/orders/{order_id}/tracking", {"carrier_code": "UPS", "tracking_number": "1Z999"}
    )
    assert response.status_code == 204
    order = get_order(mirakl, order_id)
    assert order["shipping_carrier_code"] == "UPS"
    assert order["shipping_company"] == "UPS"
    assert order["shipping_tracking"] == "1Z999"
    assert order["shipping_tracking_url"] == "https://www.ups.com/track?tracknum=1Z999"


def test_or23_refuses_a_carrier_code_sh21_does_not_list(
    mirakl: RunningSandbox, small_world: WorldLayout
) -> None:
    order_id = orders_in(small_world, "SHIPPING")[0]["order_id"]
    response = mirakl.put(
        f"/orders/{order_id}/tracking", {"carrier_code": "PIGEON", "tracking_number": "1"}
    )
    assert response.status_code == 400
    assert "PIGEON" in response.json()["message"]


def test_or23_accepts_an_unregistered_carrier_by_name(
    mirakl: RunningSandbox, small_world: WorldLayout
) -> None:
    order_id = orders_in(small_world, "SHIPPING")[0]["order_id"]
    response = mirakl.put(
        f"/orders/{order_id}/tracking",
        {
            "carrier_name": "Bike Couriers",
            "carrier_url": "https://bike.example/t/42",
            "tracking_number": "42",
        },
    )
    assert response.status_code == 204
    order = get_order(mirakl, order_id)
    assert order["shipping_carrier_code"] is None
    assert order["shipping_company"] == "Bike Couriers"
    assert order["shipping_tracking_url"] == "https://bike.example/t/42"


def test_or23_is_refused_before_the_order_is_paid(
    mirakl: RunningSandbox, small_world: WorldLayout
) -> None:
    order_id = orders_in(small_world, "WAITING_ACCEPTANCE")[0]["order_id"]
    response = mirakl.put(
        f"/orders/{order_id}/tracking", {"carrier_code": "UPS", "tracking_number": "1"}
    )
    assert response.status_code == 400


def test_or24_ships_a_shipping_order_and_its_lines(
    mirakl: RunningSandbox, small_world: WorldLayout
) -> None:
    order_id = orders_in(small_world, "SHIPPING")[0]["order_id"]
    assert mirakl.put(f"/orders/{order_id}/ship").status_code == 204
    order = get_order(mirakl, order_id)
    assert order["order_state"] == "SHIPPED"
    assert {line["order_line_state"] for line in order["order_lines"]} == {"SHIPPED"}
    assert all(line["shipped_date"] for line in order["order_lines"])


@pytest.mark.parametrize("state", ["WAITING_ACCEPTANCE", "SHIPPED", "CLOSED"])
def test_or24_on_an_order_not_in_shipping_is_a_400_with_a_message(
    mirakl: RunningSandbox, small_world: WorldLayout, state: str
) -> None:
    order_id = orders_in(small_world, state)[0]["order_id"]
    response = mirakl.put(f"/orders/{order_id}/ship")
    assert response.status_code == 400
    assert state in response.json()["message"]
    assert get_order(mirakl, order_id)["order_state"] == state


# --- OR28 refunds -----------------------------------------------------------------------------


def refund_of(line: dict[str, Any], **changes: Any) -> dict[str, Any]:
    refund = {
        "order_line_id": line["order_line_id"],
        "amount": Decimal("1.00"),
        "shipping_amount": Decimal("0.00"),
        "reason_code": "15",
        "quantity": 1,
        "taxes": [{"code": "TVA20", "amount": Decimal("0.17")}],
        "shipping_taxes": [{"code": "TVA20", "amount": Decimal("0.00")}],
    }
    refund.update(changes)
    return refund


def put_refunds(mirakl: RunningSandbox, *refunds: dict[str, Any]) -> requests.Response:
    return mirakl.session.put(
        f"{mirakl.api}/orders/refund",
        data=jsonio.dumps({"refunds": list(refunds)}),
        headers={"Content-Type": "application/json"},
        timeout=10,
    )


def test_or28_appends_a_waiting_refund_to_the_line(
    mirakl: RunningSandbox, small_world: WorldLayout
) -> None:
    order = orders_in(small_world, "SHIPPING")[0]
    line = order["order_lines"][0]
    response = put_refunds(mirakl, refund_of(line))
    assert response.status_code == 200
    (created,) = body(response)["refunds"]
    assert created["order_line_id"] == line["order_line_id"]
    assert created["amount"] == Decimal("1.00")

    refunds = get_order(mirakl, order["order_id"])["order_lines"][0]["refunds"]
    assert refunds[-1]["id"] == created["refund_id"]
    assert refunds[-1]["refund_state"] == "WAITING_REFUND"
    assert refunds[-1]["order_refund_id"] == created["order_refund_id"]
    assert jsonio.parse_timestamp(refunds[-1]["created_date"]) >= mirakl.sandbox.state.as_of


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"reason_code": "20"}, "reason_code"),  # a CANCELATION reason, not a REFUND one
        ({"reason_code": "999"}, "reason_code"),
        ({"order_line_id": "NOPE-A-1"}, "ORDER_LINE_NOT_FOUND"),
        ({"amount": Decimal("100000.00")}, "exceeds"),
        ({"amount": "a lot"}, "amount"),
    ],
)
def test_or28_refuses_an_invalid_refund_and_changes_nothing(
    mirakl: RunningSandbox, small_world: WorldLayout, change: dict[str, Any], expected: str
) -> None:
    order = orders_in(small_world, "SHIPPING")[0]
    line = order["order_lines"][0]
    response = put_refunds(mirakl, refund_of(line), refund_of(line, **change))
    assert response.status_code == 400
    assert expected in response.json()["message"]
    assert get_order(mirakl, order["order_id"])["order_lines"][0]["refunds"] == line["refunds"]


def test_or28_is_refused_on_an_order_not_yet_paid(
    mirakl: RunningSandbox, small_world: WorldLayout
) -> None:
    line = orders_in(small_world, "WAITING_ACCEPTANCE")[0]["order_lines"][0]
    response = put_refunds(mirakl, refund_of(line))
    assert response.status_code == 400
    assert "ORDER_LINE_INVALID_STATE" in response.json()["message"]


# --- STO01-STO03 stock imports ----------------------------------------------------------------


def upload_stock(mirakl: RunningSandbox, csv_text: str) -> requests.Response:
    return mirakl.post(
        "/offers/stock/imports", files={"file": ("stock.csv", csv_text.encode(), "text/csv")}
    )


def offer_quantity(mirakl: RunningSandbox, sku: str) -> int:
    (offer,) = body(mirakl.get("/offers", {"sku": sku}))["offers"]
    return offer["quantity"]


def test_stock_import_applies_quantities_when_complete_and_reports_bad_lines(
    mirakl: RunningSandbox,
) -> None:
    csv_text = "\n".join(
        [
            STOCK_HEADER,
            '"24-MB01";"7";"";""',
            '"MH01-XL-Orange";"3";"PARIS-1";"update"',
            '"NO-SUCH-SKU";"5";"";""',
            '"MH02-XS-Red";"-2";"";""',
        ]
    )
    before = offer_quantity(mirakl, "24-MB01")
    created = upload_stock(mirakl, csv_text)
    assert created.status_code == 201
    import_id = created.json()["import_id"]
    assert isinstance(import_id, str)
    status_url = created.headers["Location"]

    polls = [mirakl.session.get(status_url, timeout=10).json() for _ in range(2)]
    assert [poll["status"] for poll in polls] == ["WAITING", "RUNNING"]
    assert offer_quantity(mirakl, "24-MB01") == before  # nothing applied yet

    done = mirakl.get(f"/offers/stock/imports/{import_id}/status").json()
    assert done["status"] == "COMPLETE"
    assert (done["lines_in_success"], done["lines_in_error"]) == (2, 2)
    assert done["has_error_report"] is True
    assert offer_quantity(mirakl, "24-MB01") == 7
    assert offer_quantity(mirakl, "MH01-XL-Orange") == 3

    report = mirakl.get(f"/offers/stock/imports/{import_id}/error_report")
    assert report.status_code == 200
    assert report.headers["Content-Type"].startswith("text/csv")
    rows = [line.split(";") for line in report.text.strip().splitlines()[1:]]
    assert [(row[0], row[2]) for row in rows] == [
        ('"4"', '"NO-SUCH-SKU"'),
        ('"5"', '"MH02-XS-Red"'),
    ]
    assert "does not exist" in rows[0][1] and "quantity" in rows[1][1]


def test_stock_import_without_errors_has_no_error_report(mirakl: RunningSandbox) -> None:
    import_id = upload_stock(mirakl, f'{STOCK_HEADER}\n"24-MB01";"9";"";""\n').json()["import_id"]
    for _ in range(3):
        status = mirakl.get(f"/offers/stock/imports/{import_id}/status").json()
    assert status["status"] == "COMPLETE" and status["has_error_report"] is False
    assert mirakl.get(f"/offers/stock/imports/{import_id}/error_report").status_code == 404
    assert mirakl.get("/offers/stock/imports/unknown/status").status_code == 404


def test_stock_import_needs_a_multipart_file(mirakl: RunningSandbox) -> None:
    no_file = mirakl.post("/offers/stock/imports", files={"other": ("x.csv", b"x")})
    assert no_file.status_code == 400
    not_multipart = mirakl.post("/offers/stock/imports", data=b"offer-sku;quantity")
    assert not_multipart.status_code == 415


# --- OF24 offers ------------------------------------------------------------------------------


def test_of24_replaces_the_whole_offer_so_an_omitted_quantity_becomes_zero(
    mirakl: RunningSandbox,
) -> None:
    (offer,) = body(mirakl.get("/offers", {"sku": "MH02-XS-Red"}))["offers"]
    assert offer["quantity"] > 0 or offer["description"]
    payload = {
        "offers": [
            {
                "shop_sku": "MH02-XS-Red",
                "product_id": "MH02-XS-Red",
                "product_id_type": "SHOP_SKU",
                "price": 99.5,
                "state_code": "11",
                "update_delete": "update",
            }
        ]
    }
    created = mirakl.post("/offers", json=payload)
    assert created.status_code == 201
    assert isinstance(created.json()["import_id"], int)
    (replaced,) = body(mirakl.get("/offers", {"sku": "MH02-XS-Red"}))["offers"]
    assert replaced["quantity"] == 0
    assert replaced["description"] is None
    assert replaced["price"] == Decimal("99.5")
    assert replaced["offer_id"] == offer["offer_id"]

    # Mirakl answers an identical request with the first import's id.
    assert mirakl.post("/offers", json=payload).json() == created.json()


def test_of24_refuses_an_offer_without_its_required_fields(mirakl: RunningSandbox) -> None:
    response = mirakl.post("/offers", json={"offers": [{"shop_sku": "24-MB01"}]})
    assert response.status_code == 400
    assert response.json()["message"]


# --- the sandbox object -----------------------------------------------------------------------


def test_the_sandbox_clock_starts_at_the_world_as_of(mirakl: RunningSandbox) -> None:
    as_of = mirakl.sandbox.state.as_of
    assert as_of <= mirakl.sandbox.now() < as_of + dt.timedelta(minutes=1)


def test_the_fixture_world_serves_the_real_orders_unchanged(
    start_sandbox: StartSandbox, tmp_path: Any
) -> None:
    mirakl = start_sandbox(world=build_fixture_world(tmp_path / "fixture-world"))
    page = body(mirakl.get("/orders"))
    assert page["total_count"] == 2
    assert page["orders"] == sorted(fixture_orders(), key=lambda o: o["created_date"])
