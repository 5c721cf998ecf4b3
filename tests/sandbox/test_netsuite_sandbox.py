"""How the NetSuite sandbox behaves, over real HTTP: SuiteQL as NetSuite's clients meet it.

Each test starts a sandbox on the shared small demo world and sends signed requests with
`requests`. Signatures come from the source's own signer; the sandbox checks them with its own
RFC 5849 code, and the tampering tests show that checking is real.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests

from ingestion.netsuite.auth import BearerAuth, TokenAuth
from sandbox.http import FaultPlan
from sandbox.netsuite import NetSuiteSandbox, SandboxConfig
from sandbox.world.erp_records import read_erp_records
from sandbox.world.layout import WorldLayout

SUITEQL = "/services/rest/query/v1/suiteql"
PARIS = "Europe/Paris"


@dataclass
class Account:
    sandbox: NetSuiteSandbox
    base_url: str
    auth: TokenAuth | BearerAuth
    world: WorldLayout

    def url(self, **params: Any) -> str:
        query = "&".join(f"{key}={value}" for key, value in params.items())
        return f"{self.base_url}{SUITEQL}" + (f"?{query}" if query else "")

    def post(
        self,
        q: str,
        url: str | None = None,
        *,
        signed_url: str | None = None,
        headers: dict[str, str] | None = None,
        **params: Any,
    ) -> requests.Response:
        target = url or self.url(**params)
        sent = {
            "Authorization": self.auth.header("POST", signed_url or target),
            "Prefer": "transient",
            "Content-Type": "application/json",
            **(headers or {}),
        }
        return requests.post(target, json={"q": q}, headers=sent, timeout=10)

    def all_rows(self, q: str, limit: int = 1000) -> list[dict[str, Any]]:
        response = self.post(q, limit=limit, offset=0)
        rows = []
        while True:
            assert response.status_code == 200, response.text
            page = response.json()
            rows.extend(page["items"])
            if not page["hasMore"]:
                return rows
            (next_url,) = [link["href"] for link in page["links"] if link["rel"] == "next"]
            response = self.post(q, url=next_url)


@pytest.fixture
def start(demo_world: WorldLayout) -> Iterator:
    with ExitStack() as stack:

        def start_account(**config: Any) -> Account:
            settings = SandboxConfig(timezone=PARIS, **config)
            sandbox = NetSuiteSandbox.from_world(demo_world.root, config=settings)
            base_url = stack.enter_context(sandbox.serve())
            auth = TokenAuth(
                settings.account_id,
                settings.consumer_key,
                settings.consumer_secret,
                settings.token_id,
                settings.token_secret,
            )
            return Account(sandbox, base_url, auth, demo_world)

        yield start_account


@pytest.fixture
def account(start) -> Account:
    return start()


def error_of(response: requests.Response) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"type", "title", "status", "o:errorDetails"}
    assert body["status"] == response.status_code
    assert response.headers["Content-Type"].startswith("application/vnd.oracle.resource+json")
    (detail,) = body["o:errorDetails"]
    return detail


# --- authentication ---------------------------------------------------------------------------


def test_a_request_signed_with_the_accounts_token_is_answered(account: Account) -> None:
    response = account.post("SELECT id, itemid FROM item ORDER BY id", limit=5)
    assert response.status_code == 200
    assert response.json()["count"] == 5
    assert account.sandbox.login_audit_trail == []


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"token_secret": "not-the-secret"}, "signature does not match"),
        ({"consumer_secret": "not-the-secret"}, "signature does not match"),
        ({"account_id": "7654321"}, "realm"),
        ({"token_id": "someone-elses-token"}, "unknown token id"),
    ],
)
def test_a_bad_signature_realm_or_token_is_an_invalid_login(
    account: Account, change: dict[str, str], reason: str
) -> None:
    config = account.sandbox.config
    values = {
        "account_id": config.account_id,
        "consumer_key": config.consumer_key,
        "consumer_secret": config.consumer_secret,
        "token_id": config.token_id,
        "token_secret": config.token_secret,
        **change,
    }
    account.auth = TokenAuth(**values)
    response = account.post("SELECT id FROM item")
    assert response.status_code == 401
    detail = error_of(response)
    assert detail["o:errorCode"] == "INVALID_LOGIN"
    assert detail["detail"].startswith("Invalid login attempt.")
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    # NetSuite says why only in its Login Audit Trail, never to the caller.
    assert reason in account.sandbox.login_audit_trail[-1].reason
    assert reason not in response.text
    assert config.token_secret not in response.text


def test_the_signature_covers_the_query_string(account: Account) -> None:
    response = account.post(
        "SELECT id FROM item", url=account.url(limit=2, offset=2), signed_url=account.url(limit=2)
    )
    assert response.status_code == 401
    assert "signature does not match" in account.sandbox.login_audit_trail[-1].reason


def test_a_nonce_is_accepted_once(account: Account) -> None:
    signer = account.auth
    account.auth = TokenAuth(
        signer.account_id, *signer.secrets, nonce=lambda: "the-same-nonce-twice"
    )
    assert account.post("SELECT id FROM item").status_code == 200
    assert account.post("SELECT id FROM item").status_code == 401
    assert account.sandbox.login_audit_trail[-1].reason == "nonce already used"


def test_a_stale_timestamp_is_refused(account: Account) -> None:
    signer = account.auth
    an_hour_ago = dt.datetime.now(dt.UTC).timestamp() - 3600
    account.auth = TokenAuth(signer.account_id, *signer.secrets, clock=lambda: an_hour_ago)
    assert account.post("SELECT id FROM item").status_code == 401
    assert "timestamp" in account.sandbox.login_audit_trail[-1].reason


def test_a_malformed_header_is_an_invalid_request(account: Account) -> None:
    response = requests.post(
        account.url(),
        json={"q": "SELECT id FROM item"},
        headers={"Authorization": 'OAuth realm="1234567_SB1", broken', "Prefer": "transient"},
        timeout=10,
    )
    assert response.status_code == 400
    assert error_of(response)["o:errorCode"] == "INVALID_LOGIN"
    assert 'error="invalid_request"' in response.headers["WWW-Authenticate"]


def test_an_oauth2_bearer_token_is_accepted_only_when_it_is_the_accounts(start) -> None:
    account = start(access_token="a-valid-oauth2-token")
    account.auth = BearerAuth("a-valid-oauth2-token")
    assert account.post("SELECT id FROM item").status_code == 200
    account.auth = BearerAuth("an-expired-token")
    response = account.post("SELECT id FROM item")
    assert response.status_code == 401
    assert error_of(response)["o:errorCode"] == "INVALID_LOGIN"


# --- paging -----------------------------------------------------------------------------------


def test_pages_follow_has_more_and_the_next_link_to_every_row_once(account: Account) -> None:
    first = account.post("SELECT id, tranid FROM transaction WHERE type = 'SalesOrd'", limit=50)
    page = first.json()
    assert set(page) == {"links", "count", "hasMore", "items", "offset", "totalResults"}
    total = page["totalResults"]
    assert total == len(read_erp_records(account.world.root).sales_orders)
    assert (page["count"], page["hasMore"], page["offset"]) == (50, True, 0)
    rels = {link["rel"]: link["href"] for link in page["links"]}
    assert rels["next"].endswith(f"{SUITEQL}?limit=50&offset=50")
    assert rels["last"].endswith(f"offset={(total - 1) // 50 * 50}")
    assert rels["self"].endswith("offset=0")

    rows = account.all_rows("SELECT id, tranid FROM transaction WHERE type = 'SalesOrd'", limit=50)
    assert len(rows) == len({row["id"] for row in rows}) == total
    last = account.post(
        "SELECT id, tranid FROM transaction WHERE type = 'SalesOrd'", url=rels["last"]
    ).json()
    assert last["hasMore"] is False
    assert "next" not in {link["rel"] for link in last["links"]}


def test_a_page_holds_at_most_1000_rows_and_the_offset_must_be_a_multiple_of_the_limit(
    account: Account,
) -> None:
    too_big = account.post("SELECT id FROM item", limit=1001)
    assert too_big.status_code == 400
    assert error_of(too_big)["o:errorQueryParam"] == "limit"
    unaligned = account.post("SELECT id FROM item", limit=10, offset=5)
    assert unaligned.status_code == 400
    assert error_of(unaligned)["o:errorQueryParam"] == "offset"
    default = account.post("SELECT tal.transaction FROM transactionaccountingline tal").json()
    assert default["count"] == min(1000, default["totalResults"])


def test_a_query_pages_through_at_most_max_results_rows(start) -> None:
    account = start(max_results=20)
    assert account.post("SELECT id FROM item ORDER BY id", limit=10, offset=10).status_code == 200
    beyond = account.post("SELECT id FROM item ORDER BY id", limit=10, offset=20)
    assert beyond.status_code == 400
    assert "at most 20 results" in error_of(beyond)["detail"]


# --- values -----------------------------------------------------------------------------------


def test_every_value_is_a_string_checkboxes_are_t_or_f_and_nulls_are_left_out(
    account: Account,
) -> None:
    rows = account.all_rows(
        "SELECT id, itemid, custitem_mirakl_shop_sku, custitem_mirakl_listed, "
        "custitem_mirakl_safety_stock, 0.5 AS half FROM item ORDER BY id"
    )
    world_items = {item["sku"]: item for item in read_erp_records(account.world.root).items}
    assert len(rows) == len(world_items)
    for row in rows:
        assert row.pop("links") == []
        assert all(isinstance(value, str) for value in row.values())
        item = world_items[row["itemid"]]
        assert row["custitem_mirakl_listed"] == ("T" if item["is_marketplace_listed"] else "F")
        assert Decimal(row["custitem_mirakl_safety_stock"]) == item["safety_stock"]
        if item["mirakl_shop_sku"] is None:
            assert "custitem_mirakl_shop_sku" not in row
        assert row["half"] == ".5"  # Oracle drops the leading zero
    assert any("custitem_mirakl_shop_sku" not in row for row in rows)


def test_date_times_show_as_the_users_date_unless_formatted_in_the_accounts_zone(
    account: Account,
) -> None:
    (row,) = account.all_rows(
        "SELECT createddate, TO_CHAR(createddate, 'YYYY-MM-DD\"T\"HH24:MI:SS') AS created "
        "FROM transaction WHERE tranid = 'SO200076'"
    )
    created = next(
        order["created_at"]
        for order in read_erp_records(account.world.root).sales_orders
        if order["erp_order_id"] == "SO200076"
    )
    local = created.astimezone(ZoneInfo(PARIS))
    assert row["createddate"] == f"{local.month}/{local.day}/{local.year}"
    assert row["created"] == local.strftime("%Y-%m-%dT%H:%M:%S")


def test_a_time_filter_reads_the_literal_in_the_accounts_zone(account: Account) -> None:
    account.sandbox.update_records("transaction", {"tranid": "SO200076"}, memo="edited")
    modified = account.sandbox.now().astimezone(ZoneInfo(PARIS)) - dt.timedelta(seconds=2)
    since = modified.strftime("%Y-%m-%d %H:%M:%S")
    rows = account.all_rows(
        "SELECT tranid, memo FROM transaction WHERE lastmodifieddate >= "
        f"TO_TIMESTAMP('{since}', 'YYYY-MM-DD HH24:MI:SS')"
    )
    assert [(row["tranid"], row["memo"]) for row in rows] == [("SO200076", "edited")]


# --- errors -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "said"),
    [
        ("SELECT id FROM itemz", "Record 'itemz' was not found"),
        ("SELECT custitem_unknown FROM item", "Field 'custitem_unknown' for record 'item'"),
        ("SELECT t.shipstatus FROM transaction t", "Field 'shipstatus' for record 'transaction'"),
        ("SELEC id FROM item", "Syntax error"),
    ],
)
def test_unknown_tables_and_fields_get_netsuites_error_body(
    account: Account, query: str, said: str
) -> None:
    response = account.post(query)
    assert response.status_code == 400
    detail = error_of(response)
    assert detail["o:errorCode"] == "INVALID_PARAMETER"
    assert detail["o:errorQueryParam"] == "q"
    assert detail["detail"].startswith("Invalid search query.")
    assert said in detail["detail"]


def test_suiteql_without_prefer_transient_is_refused(account: Account) -> None:
    response = account.post("SELECT id FROM item", headers={"Prefer": "respond-async"})
    assert response.status_code == 400
    assert "Prefer: transient" in error_of(response)["detail"]


def test_the_concurrency_limit_refuses_one_request_too_many(start) -> None:
    account = start(concurrency_limit=2)
    with account.sandbox.hold_slots(2):
        refused = account.post("SELECT id FROM item")
    assert refused.status_code == 429
    assert error_of(refused)["o:errorCode"] == "CONCURRENCY_LIMIT_EXCEEDED"
    assert account.post("SELECT id FROM item").status_code == 200


def test_concurrent_requests_beyond_the_limit_are_refused_while_others_run(start) -> None:
    account = start(concurrency_limit=2, query_seconds=0.4)
    statuses: list[int] = []
    lock = threading.Lock()

    def call() -> None:
        status = account.post("SELECT id FROM item").status_code
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=call) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(set(statuses)) == [200, 429]
    assert statuses.count(200) >= 2
    assert account.sandbox.concurrency_refusals == statuses.count(429)


def test_injected_faults_answer_with_netsuites_error_body(start) -> None:
    account = start(faults=FaultPlan(seed=1, error_rate=1.0))
    response = account.post("SELECT id FROM item")
    assert response.status_code in (500, 503)
    assert error_of(response)["o:errorCode"] in ("UNEXPECTED_ERROR", "SERVICE_UNAVAILABLE")
    assert account.sandbox.request_log[-1].fault == "error"


def test_the_request_log_never_keeps_the_authorization_header(account: Account) -> None:
    account.post("SELECT id FROM item")
    (record,) = account.sandbox.request_log
    assert record.headers["Authorization"] == "[redacted]"


# --- the world as NetSuite records ------------------------------------------------------------


def test_the_world_is_served_as_netsuite_records(account: Account) -> None:
    world = read_erp_records(account.world.root)
    lines = account.all_rows(
        "SELECT t.tranid, tl.linesequencenumber, i.itemid, tl.quantity, tl.netamount "
        "FROM transactionline tl JOIN transaction t ON t.id = tl.transaction "
        "JOIN item i ON i.id = tl.item WHERE t.type = 'SalesOrd' AND tl.mainline = 'F'"
    )
    assert len(lines) == len(world.sales_order_lines)
    assert all(Decimal(line["quantity"]) < 0 and Decimal(line["netamount"]) < 0 for line in lines)

    tracking = account.all_rows(
        "SELECT t.tranid, tn.trackingnumber, BUILTIN.DF(t.shipmethod) AS carrier "
        "FROM transaction t JOIN trackingnumbermap m ON m.transaction = t.id "
        "JOIN trackingnumber tn ON tn.id = m.trackingnumber WHERE t.type = 'ItemShip'"
    )
    expected = {
        (f["fulfilment_id"], f["tracking_number"], f["carrier"])
        for f in world.fulfilments
        if f["tracking_number"]
    }
    assert {(r["tranid"], r["trackingnumber"], r.get("carrier")) for r in tracking} == expected

    postings = account.all_rows(
        "SELECT t.tranid, t.type, tal.debit, tal.credit FROM transactionaccountingline tal "
        "JOIN transaction t ON t.id = tal.transaction WHERE tal.posting = 'T'"
    )
    assert len(postings) == len(world.ledger_entries)
    assert {row["type"] for row in postings} == {"Journal", "Deposit"}
    balance: dict[str, Decimal] = {}
    for row in postings:
        amount = Decimal(row.get("debit", "0")) - Decimal(row.get("credit", "0"))
        balance[row["tranid"]] = balance.get(row["tranid"], Decimal(0)) + amount
    # Every journal and deposit balances, and each deposit carries its own postings.
    assert all(total == 0 for total in balance.values())
    assert {deposit["deposit_id"] for deposit in world.bank_deposits} <= set(balance)
