"""The Business Central sandbox, reached over real HTTP, keeps BC's API v2.0 contract.

- a client-credentials token from the (sandboxed) Entra endpoint opens the API; a wrong secret,
  scope or grant is refused the OAuth way, and a token stops working when it expires;
- collections are OData v4 with server-driven pages linked by ``@odata.nextLink``;
- ``$filter`` on ``lastModifiedDateTime`` selects what changed; filters the sandbox does not
  implement are refused, never ignored;
- every error is the OData envelope ``{"error": {"code", "message"}}``;
- beyond the request budget the API answers 429 with Retry-After;
- the demo world is booked as BC books it (deleted orders, posted documents, dimensions).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from sandbox.business_central import BC_SCOPE, BusinessCentralSandbox, SandboxConfig
from sandbox.http import FaultPlan
from sandbox.world.erp_records import read_erp_records
from sandbox.world.layout import WorldLayout

CLIENT_ID = "3f0c8a2e-client"
CLIENT_SECRET = "s3cr3t-value-for-tests-7d41"


@dataclass
class Running:
    sandbox: BusinessCentralSandbox
    base_url: str
    session: requests.Session

    @property
    def api(self) -> str:
        return self.sandbox.api_url(self.base_url)

    def token_response(self, **form: str) -> requests.Response:
        data = {
            "grant_type": "client_credentials",
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "scope": BC_SCOPE,
            **form,
        }
        return self.session.post(self.sandbox.token_url(self.base_url), data=data, timeout=10)

    def token(self) -> str:
        response = self.token_response()
        assert response.status_code == 200, response.text
        return response.json()["access_token"]

    def get(self, url: str, token: str | None = None, **kwargs: Any) -> requests.Response:
        headers = dict(kwargs.pop("headers", {}))
        headers["Authorization"] = f"Bearer {token or self.token()}"
        return self.session.get(url, headers=headers, timeout=10, **kwargs)

    def all_pages(self, url: str, token: str, **kwargs: Any) -> list[dict[str, Any]]:
        rows, link = [], url
        while link:
            response = self.get(link, token, **kwargs)
            assert response.status_code == 200, response.text
            body = response.json()
            rows.extend(body["value"])
            link = body.get("@odata.nextLink")
            kwargs.pop("params", None)
        return rows


Start = Callable[..., Running]


@pytest.fixture
def start(demo_world: WorldLayout) -> Iterator[Start]:
    with ExitStack() as stack:

        def run(**config: Any) -> Running:
            settings = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, **config}
            sandbox = BusinessCentralSandbox.from_world(
                demo_world.root, config=SandboxConfig(**settings)
            )
            base_url = stack.enter_context(sandbox.serve())
            session = stack.enter_context(requests.Session())
            return Running(sandbox, base_url, session)

        yield run


def assert_envelope(response: requests.Response, status: int, code: str) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message"}
    assert body["error"]["code"] == code, body
    return body["error"]["message"]


# --- the token endpoint -----------------------------------------------------------------------


def test_client_credentials_give_a_bearer_token_that_opens_the_api(start: Start) -> None:
    bc = start(token_lifetime_seconds=3599)
    response = bc.token_response()
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3599
    items = bc.get(bc.api + "/items", body["access_token"])
    assert items.status_code == 200
    assert items.headers["OData-Version"] == "4.0"
    assert items.json()["@odata.context"].endswith(
        f"$metadata#companies({bc.sandbox.company_id})/items"
    )


@pytest.mark.parametrize(
    ("form", "status", "error"),
    [
        ({"client_secret": "not-the-secret"}, 401, "invalid_client"),
        ({"client_id": "someone-else"}, 400, "unauthorized_client"),
        ({"scope": "https://graph.microsoft.com/.default"}, 400, "invalid_scope"),
        ({"grant_type": "password"}, 400, "unsupported_grant_type"),
        ({"scope": ""}, 400, "invalid_request"),
    ],
)
def test_the_token_endpoint_refuses_the_oauth_way_without_echoing_the_secret(
    start: Start, form: dict[str, str], status: int, error: str
) -> None:
    bc = start()
    response = bc.token_response(**form)
    assert response.status_code == status
    body = response.json()
    assert body["error"] == error
    assert body["error_description"].startswith("AADSTS")
    assert "access_token" not in body
    assert CLIENT_SECRET not in response.text and "not-the-secret" not in response.text


def test_a_token_for_an_unknown_tenant_is_refused(start: Start) -> None:
    bc = start()
    url = bc.sandbox.token_url(bc.base_url).replace(bc.sandbox.config.tenant_id, "other-tenant")
    data = {
        "grant_type": "client_credentials",
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "scope": BC_SCOPE,
    }
    response = bc.session.post(url, data=data, timeout=10)
    assert response.status_code == 400
    assert "Tenant 'other-tenant' not found" in response.json()["error_description"]


def test_the_request_log_keeps_the_token_request_without_the_secret(start: Start) -> None:
    bc = start()
    bc.token()
    (record,) = bc.sandbox.request_log
    assert record.method == "POST"
    assert b"client_id=" in record.body
    assert CLIENT_SECRET.encode() not in record.body


# --- bearer tokens on the API -----------------------------------------------------------------


def test_the_api_refuses_a_missing_or_unknown_token_with_a_bearer_challenge(start: Start) -> None:
    bc = start()
    missing = bc.session.get(bc.api + "/items", timeout=10)
    assert_envelope(missing, 401, "Authentication_InvalidCredentials")
    assert 'error="invalid_token"' in missing.headers["WWW-Authenticate"]
    unknown = bc.get(bc.api + "/items", token="forged")
    assert "not valid" in assert_envelope(unknown, 401, "Authentication_InvalidCredentials")


def test_a_token_stops_working_when_it_expires_and_a_new_one_works(start: Start) -> None:
    bc = start(token_lifetime_seconds=1)
    token = bc.token()
    assert bc.get(bc.api + "/items", token).status_code == 200
    time.sleep(1.1)
    expired = bc.get(bc.api + "/items", token)
    assert "expired" in assert_envelope(expired, 401, "Authentication_InvalidCredentials")
    assert bc.get(bc.api + "/items", bc.token()).status_code == 200


def test_a_revoked_token_is_refused(start: Start) -> None:
    bc = start()
    token = bc.token()
    bc.sandbox.tokens.revoke_all()
    assert_envelope(bc.get(bc.api + "/items", token), 401, "Authentication_InvalidCredentials")


# --- paging -----------------------------------------------------------------------------------


def test_server_driven_pages_link_every_record_exactly_once_in_key_order(start: Start) -> None:
    bc = start(page_size=7)
    token = bc.token()
    first = bc.get(bc.api + "/items", token).json()
    assert len(first["value"]) == 7
    assert "$skiptoken=" in first["@odata.nextLink"]
    rows = bc.all_pages(bc.api + "/items", token)
    numbers = [row["number"] for row in rows]
    assert numbers == sorted(numbers)
    assert len(numbers) == len(set(numbers)) == len(bc.sandbox.state.sets["items"])
    assert all(row["@odata.etag"].startswith('W/"') for row in rows)


def test_prefer_maxpagesize_lowers_the_page_size_and_is_acknowledged(start: Start) -> None:
    bc = start(page_size=50)
    response = bc.get(bc.api + "/items", headers={"Prefer": "odata.maxpagesize=5"})
    assert response.headers["Preference-Applied"] == "odata.maxpagesize=5"
    assert len(response.json()["value"]) == 5
    larger = bc.get(bc.api + "/items", headers={"Prefer": "odata.maxpagesize=500"})
    assert len(larger.json()["value"]) == 50


def test_the_next_link_repeats_the_filter_and_the_expansion(start: Start) -> None:
    bc = start(page_size=10)
    token = bc.token()
    since = "2026-04-01T00:00:00Z"
    params = {"$filter": f"lastModifiedDateTime gt {since}", "$expand": "salesOrderLines"}
    first = bc.get(bc.api + "/salesOrders", token, params=params).json()
    assert "$filter=lastModifiedDateTime" in first["@odata.nextLink"]
    assert "$expand=salesOrderLines" in first["@odata.nextLink"]
    rows = bc.all_pages(bc.api + "/salesOrders", token, params=params)
    expected = [
        row["number"]
        for row in bc.sandbox.state.sets["salesOrders"]
        if row["lastModifiedDateTime"] > dt.datetime(2026, 4, 1, tzinfo=dt.UTC)
    ]
    assert [row["number"] for row in rows] == expected
    assert all("salesOrderLines" in row and row["salesOrderLines"] for row in rows)


def test_a_skiptoken_that_is_not_ours_is_refused(start: Start) -> None:
    bc = start()
    response = bc.get(bc.api + "/items", params={"$skiptoken": "%%%"})
    assert_envelope(response, 400, "BadRequest")


# --- $filter, $expand and other options -------------------------------------------------------


def test_filter_on_last_modified_returns_what_changed_after_the_instant(start: Start) -> None:
    bc = start()
    token = bc.token()
    cut = dt.datetime(2026, 4, 28, 12, tzinfo=dt.UTC)
    response = bc.get(
        bc.api + "/salesCreditMemos",
        token,
        params={"$filter": "lastModifiedDateTime gt 2026-04-28T12:00:00Z"},
    )
    numbers = {row["number"] for row in response.json()["value"]}
    expected = {
        row["number"]
        for row in bc.sandbox.state.sets["salesCreditMemos"]
        if row["lastModifiedDateTime"] > cut
    }
    assert numbers == expected and 0 < len(numbers) < len(bc.sandbox.state.sets["salesCreditMemos"])
    between = bc.get(
        bc.api + "/salesCreditMemos",
        token,
        params={
            "$filter": "lastModifiedDateTime ge 2026-04-01T00:00:00Z "
            "and lastModifiedDateTime lt 2026-04-28T12:00:00Z"
        },
    )
    assert {row["number"] for row in between.json()["value"]}.isdisjoint(numbers)


def test_a_touched_record_is_found_by_the_filter_with_a_new_etag(start: Start) -> None:
    bc = start()
    token = bc.token()
    order = bc.sandbox.state.sets["salesOrders"][0]
    before = bc.get(bc.api + "/salesOrders", token).json()["value"][0]
    bc.sandbox.touch("salesOrders", {"number": order["number"]}, totalAmountIncludingTax=1)
    since = bc.sandbox.as_of.strftime("%Y-%m-%dT%H:%M:%SZ")
    changed = bc.get(
        bc.api + "/salesOrders", token, params={"$filter": f"lastModifiedDateTime gt {since}"}
    ).json()["value"]
    assert [row["number"] for row in changed] == [order["number"]]
    assert changed[0]["@odata.etag"] != before["@odata.etag"]


@pytest.mark.parametrize(
    ("filter_text", "code", "says"),
    [
        ("lastModifiedDateTime gt '2026-04-01T00:00:00Z'", "BadRequest", "incompatible types"),
        ("nosuchField eq 'x'", "BadRequest", "Could not find a property named 'nosuchField'"),
        ("displayName eq 'Summit Mug 1'", "BadRequest_NotSupported", "does not filter on"),
        ("number eq 'A' or number eq 'B'", "BadRequest_NotSupported", "'or'"),
        ("lastModifiedDateTime gt", "BadRequest", "Syntax error"),
        ("number gt 'NW'", "BadRequest_NotSupported", "'gt' on number"),
    ],
)
def test_filters_outside_the_contract_are_refused_with_the_envelope(
    start: Start, filter_text: str, code: str, says: str
) -> None:
    bc = start()
    response = bc.get(bc.api + "/items", params={"$filter": filter_text})
    assert says in assert_envelope(response, 400, code)


def test_number_eq_selects_one_record(start: Start) -> None:
    bc = start()
    number = bc.sandbox.state.sets["items"][3]["number"]
    response = bc.get(bc.api + "/items", params={"$filter": f"number eq '{number}'"})
    assert [row["number"] for row in response.json()["value"]] == [number]


def test_lines_come_only_with_expand_and_only_the_entity_s_own(start: Start) -> None:
    bc = start()
    token = bc.token()
    plain = bc.get(bc.api + "/salesInvoices", token, params={"$top": "2"}).json()["value"]
    assert len(plain) == 2 and all("salesInvoiceLines" not in row for row in plain)
    expanded = bc.get(
        bc.api + "/salesInvoices", token, params={"$top": "2", "$expand": "salesInvoiceLines"}
    ).json()["value"]
    assert all(row["salesInvoiceLines"][0]["documentId"] == row["id"] for row in expanded)
    wrong = bc.get(bc.api + "/salesInvoices", token, params={"$expand": "salesOrderLines"})
    assert "salesOrderLines" in assert_envelope(wrong, 400, "BadRequest")
    unknown = bc.get(bc.api + "/items", token, params={"$orderby": "number desc"})
    assert "$orderby" in assert_envelope(unknown, 400, "BadRequest_NotSupported")


# --- the error envelope -----------------------------------------------------------------------


def test_every_error_is_the_odata_envelope(start: Start) -> None:
    bc = start()
    token = bc.token()
    assert_envelope(bc.get(bc.api + "/noSuchThings", token), 404, "BadRequest_NotFound")
    other_company = bc.api.replace(bc.sandbox.company_id, "11111111-2222-3333-4444-555555555555")
    assert_envelope(bc.get(other_company + "/items", token), 404, "Internal_CompanyNotFound")
    other_environment = bc.api.replace(f"/{bc.sandbox.config.environment}/", "/nowhere/")
    assert_envelope(bc.get(other_environment + "/items", token), 404, "BadRequest_NotFound")
    write = bc.session.post(
        bc.api + "/items", json={}, headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    assert_envelope(write, 405, "BadRequest_MethodNotAllowed")
    custom = bc.sandbox.custom_api_url(bc.base_url).replace("/v1.0/", "/v9.9/")
    assert "APIVersion" in assert_envelope(
        bc.get(custom + "/shipmentTrackings", token), 404, "BadRequest_NotFound"
    )


def test_injected_server_faults_answer_with_the_envelope(start: Start) -> None:
    bc = start(faults=FaultPlan(seed=3, error_rate=1.0))
    response = bc.session.get(bc.api + "/items", timeout=10)
    assert response.status_code in (500, 503)
    assert set(response.json()["error"]) == {"code", "message"}


# --- rate limit -------------------------------------------------------------------------------


def test_beyond_the_budget_the_api_answers_429_with_retry_after_until_the_window_ends(
    start: Start,
) -> None:
    bc = start(request_budget=3, budget_window_seconds=1.0, retry_after_seconds=1)
    token = bc.token()
    statuses = [bc.get(bc.api + "/items", token).status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    refused = bc.get(bc.api + "/items", token)
    assert_envelope(refused, 429, "Application_TooManyRequests")
    assert refused.headers["Retry-After"] == "1"
    # The token endpoint is Entra's, not Business Central's: it is not counted.
    assert bc.token_response().status_code == 200
    time.sleep(1.05)
    assert bc.get(bc.api + "/items", token).status_code == 200


def test_the_retry_after_header_can_be_left_out(start: Start) -> None:
    bc = start(request_budget=1, retry_after_seconds=None)
    token = bc.token()
    bc.get(bc.api + "/items", token)
    refused = bc.get(bc.api + "/items", token)
    assert refused.status_code == 429
    assert "Retry-After" not in refused.headers


# --- the demo world, booked as Business Central books it --------------------------------------


def test_invoiced_and_cancelled_orders_are_gone_and_invoices_carry_the_closed_ones(
    start: Start, demo_world: WorldLayout
) -> None:
    bc = start()
    records = read_erp_records(demo_world.root)
    status = {row["erp_order_id"]: row["status"] for row in records.sales_orders}
    token = bc.token()
    orders = bc.all_pages(bc.api + "/salesOrders", token)
    invoices = bc.all_pages(bc.api + "/salesInvoices", token)
    assert {row["number"] for row in orders} == {
        order for order, state in status.items() if state in ("open", "fulfilled")
    }
    assert {row["orderNumber"] for row in invoices} == {
        order for order, state in status.items() if state == "closed"
    }
    assert "cancelled" in status.values()
    fully_shipped = {row["number"] for row in orders if row["fullyShipped"]}
    assert fully_shipped == {order for order, state in status.items() if state == "fulfilled"}


def test_shipments_have_no_carrier_but_the_custom_page_has_it(start: Start) -> None:
    bc = start()
    token = bc.token()
    shipment = bc.get(bc.api + "/salesShipments", token, params={"$top": "1"}).json()["value"][0]
    assert not {"packageTrackingNumber", "shippingAgentCode"} & set(shipment)
    tracking = bc.get(
        bc.sandbox.custom_api_url(bc.base_url) + "/shipmentTrackings",
        token,
        params={"$filter": f"number eq '{shipment['number']}'"},
    ).json()["value"]
    assert tracking[0]["packageTrackingNumber"].startswith("TRK")
    assert tracking[0]["shippingAgentName"]


def test_ledger_entries_carry_the_order_and_payout_dimensions(
    start: Start, demo_world: WorldLayout
) -> None:
    bc = start()
    records = read_erp_records(demo_world.root)
    entries = bc.all_pages(
        bc.api + "/generalLedgerEntries", bc.token(), params={"$expand": "dimensionSetLines"}
    )
    assert len(entries) == len(records.ledger_entries)
    tagged = {
        (line["code"], line["valueCode"])
        for entry in entries
        for line in entry["dimensionSetLines"]
    }
    orders = {row["marketplace_order_id"] for row in records.ledger_entries} - {None}
    payouts = {row["payout_reference"] for row in records.ledger_entries} - {None}
    assert tagged == {("MIRAKL-ORDER", o) for o in orders} | {("MIRAKL-PAYOUT", p) for p in payouts}
    assert all(isinstance(entry["entryNumber"], int) for entry in entries)
    assert all(len(entry["postingDate"]) == 10 for entry in entries)
