"""Alerts: each owner hears of a new breach once, and again when it clears; never more."""

from __future__ import annotations

import io
import logging
import socket
from pathlib import Path

import duckdb
import pytest
from rich.console import Console

from expectations.config import AlertSettings
from expectations.runner import evaluate
from expectations.spec import Batch, Check
from recon.alerts import print_alert_report, send_alerts
from tests.conftest import AS_OF
from tests.support.webhook_receiver import WebhookReceiver

SETTINGS = AlertSettings(
    severities=("critical", "warning"), max_items_per_message=10, timeout_seconds=5
)
# The path of an incoming-webhook URL is its secret.
OPS_PATH = "/services/T000/B000/ops-secret-token-4f2a"
FINANCE_PATH = "/services/T000/B000/finance-secret-token-9c1d"

CYCLES = Batch(
    suite="business_breaches",
    table="shop.cycles",
    keys=("cycle_id",),
    owner="data",
    checks=(
        Check(
            name="every paid billing cycle reconciles",
            expectation="ExpectColumnValuesToBeBetween",
            kwargs={"column": "difference", "max_value": 0.01},
            severity="critical",
            description="Each cycle reconciles within 0.01.",
            alert_per_key=True,
        ),
        Check(
            name="shop.cycles.currency is an ISO 4217 currency",
            expectation="ExpectColumnValuesToBeInSet",
            kwargs={"column": "currency", "value_set": ["EUR"]},
            severity="warning",
            description="Currencies are ISO 4217.",
        ),
    ),
)


class Shop:
    """A tiny warehouse whose billing cycles a test breaks and fixes, checked run after run."""

    def __init__(self, path: Path):
        self.path = path
        self.runs = 0
        with duckdb.connect(str(path)) as con:
            con.execute("create schema shop")
            con.execute(
                "create table shop.cycles (cycle_id varchar, owner varchar, "
                "difference decimal(18,4), currency varchar)"
            )

    def set(self, rows: list[tuple[str, str | None, str, str]]) -> None:
        with duckdb.connect(str(self.path)) as con:
            con.execute("delete from shop.cycles")
            con.executemany("insert into shop.cycles values (?, ?, ?, ?)", rows)

    def check_and_alert(self, **kwargs):
        self.runs += 1
        run_id = f"20260501T12{self.runs:02d}00Z-00000{self.runs}"
        with duckdb.connect(str(self.path), read_only=True) as con:
            results = evaluate(con, [CYCLES], as_of=AS_OF, run_id=run_id, run_time=AS_OF).results
        return send_alerts(
            self.path, results, run_id=run_id, as_of=AS_OF, settings=SETTINGS, **kwargs
        )

    def alerts(self) -> list[tuple]:
        with duckdb.connect(str(self.path), read_only=True) as con:
            return con.execute(
                "select owner, expectation, entity_key, status, alerted_at is not null, "
                "resolution_alerted_at is not null from monitoring.alerts order by all"
            ).fetchall()


@pytest.fixture
def receiver(monkeypatch):
    hook = WebhookReceiver()
    with hook.serve() as base_url:
        monkeypatch.setenv("ALERTS__WEBHOOKS__OPS", base_url + OPS_PATH)
        monkeypatch.setenv("ALERTS__WEBHOOKS__FINANCE", base_url + FINANCE_PATH)
        monkeypatch.delenv("ALERTS__WEBHOOKS__DEFAULT", raising=False)
        monkeypatch.delenv("ALERTS__WEBHOOKS__DATA", raising=False)
        yield hook


@pytest.fixture
def shop(tmp_path) -> Shop:
    return Shop(tmp_path / "recon.duckdb")


def _text(message: dict) -> str:
    """Everything a person reads in a Slack message: the text and every block's text."""
    parts = [message["text"]]
    for block in message["blocks"]:
        if "text" in block:
            parts.append(block["text"]["text"])
        parts.extend(element["text"] for element in block.get("elements", []))
    return "\n".join(parts)


def test_a_new_breach_is_posted_once_to_its_owner_and_its_clearing_once(shop, receiver):
    shop.set([("C1", "ops", "12.40", "EUR"), ("C2", "finance", "2.50", "EUR"),
              ("C3", "ops", "0.01", "EUR")])  # fmt: skip
    first = shop.check_and_alert()
    assert (first.opened, first.resolved) == (2, 0)
    [ops] = receiver.messages(OPS_PATH)
    [finance] = receiver.messages(FINANCE_PATH)
    assert set(ops) == {"text", "blocks"}  # Slack incoming-webhook shape
    assert ops["text"] == "mirakl-recon: 1 new breach for ops (1 critical)"
    assert [block["type"] for block in ops["blocks"]] == ["header", "section", "context"]
    assert "`C1`" in _text(ops) and "C2" not in _text(ops) and "C3" not in _text(ops)
    assert "`C2`" in _text(finance) and "every paid billing cycle reconciles" in _text(finance)

    receiver.clear()
    again = shop.check_and_alert()
    assert (again.opened, again.resolved, again.deliveries) == (0, 0, [])
    assert receiver.posts == []

    # Ops fixes C1 while a new cycle C4 goes off: one new and one resolved message for ops.
    shop.set([("C1", "ops", "0", "EUR"), ("C2", "finance", "2.50", "EUR"),
              ("C3", "ops", "0.01", "EUR"), ("C4", "ops", "40.60", "EUR")])  # fmt: skip
    third = shop.check_and_alert()
    assert (third.opened, third.resolved) == (1, 1)
    new, resolved = receiver.messages(OPS_PATH)
    assert new["text"] == "mirakl-recon: 1 new breach for ops (1 critical)" and "`C4`" in _text(new)
    assert resolved["text"] == "mirakl-recon: 1 breach resolved for ops"
    assert "`C1`" in _text(resolved)
    assert receiver.messages(FINANCE_PATH) == []
    assert shop.alerts() == [
        ("finance", "every paid billing cycle reconciles", "C2", "open", True, False),
        ("ops", "every paid billing cycle reconciles", "C1", "resolved", True, True),
        ("ops", "every paid billing cycle reconciles", "C4", "open", True, False),
    ]

    receiver.clear()
    shop.check_and_alert()
    assert receiver.posts == []


def test_a_check_failing_as_a_whole_is_one_breach_for_its_owner(shop, receiver, monkeypatch):
    shop.set([("C1", None, "0", "EURO"), ("C2", None, "0", "DOLLARS")])
    report = shop.check_and_alert()
    # Rows naming no owner fall to the batch's owner, the data team, which has no webhook
    # yet: the breach waits, undelivered.
    assert report.opened == 1
    [delivery] = report.deliveries
    assert (delivery.owner, delivery.delivered, delivery.problem) == (
        "data",
        False,
        "no webhook configured",
    )
    assert receiver.posts == []
    # Once a webhook exists, the next run delivers what is still open, once.
    monkeypatch.setenv("ALERTS__WEBHOOKS__DATA", f"{receiver.base_url}/data-secret")
    shop.check_and_alert()
    shop.check_and_alert()
    [message] = receiver.messages("/data-secret")
    assert "shop.cycles.currency is an ISO 4217 currency" in _text(message)
    assert "2 of 2 rows unexpected" in _text(message)
    assert message["text"] == "mirakl-recon: 1 new breach for data"


def test_a_failed_delivery_is_reported_kept_and_retried_on_the_next_run(shop, receiver, caplog):
    caplog.set_level(logging.DEBUG)
    shop.set([("C2", "finance", "2.50", "EUR")])
    receiver.status = 500
    report = shop.check_and_alert()
    [failed] = report.failed
    assert (failed.owner, failed.problem) == ("finance", "HTTP 500")
    output = io.StringIO()
    print_alert_report(report, Console(file=output, width=200))
    assert "Alert to finance not delivered (HTTP 500); it is retried on the next run" in (
        output.getvalue()
    )
    assert shop.alerts() == [
        ("finance", "every paid billing cycle reconciles", "C2", "open", False, False)
    ]

    receiver.status = 200
    shop.check_and_alert()
    assert len(receiver.messages(FINANCE_PATH)) == 2  # the failed attempt and the retry
    assert shop.alerts()[0][4] is True

    # The webhook goes down altogether when the breach clears: retried until it lands.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    dead_url = f"http://127.0.0.1:{closed_port}{FINANCE_PATH}"
    shop.set([("C2", "finance", "0", "EUR")])
    down = shop.check_and_alert(webhook_for=lambda owner: dead_url)
    assert [(d.kind, d.problem) for d in down.failed] == [("resolved", "ConnectionError")]
    receiver.clear()
    shop.check_and_alert()
    [resolved] = receiver.messages(FINANCE_PATH)
    assert resolved["text"] == "mirakl-recon: 1 breach resolved for finance"
    receiver.clear()
    shop.check_and_alert()
    assert receiver.posts == []

    # A webhook URL is a secret: never in the warehouse, the console or the logs.
    with duckdb.connect(str(shop.path), read_only=True) as con:
        stored = con.execute("select * from monitoring.alerts").fetchall()
        attempts = con.execute("select delivery_attempts from monitoring.alerts").fetchall()
    assert attempts == [(2,)]  # the HTTP 500 and the connection error
    everything = repr(stored) + output.getvalue() + caplog.text
    for secret in (FINANCE_PATH, OPS_PATH, "secret-token", str(closed_port)):
        assert secret not in everything


def test_breaches_return_before_their_clearing_was_delivered_stay_one_episode(shop, receiver):
    shop.set([("C1", "ops", "12.40", "EUR")])
    shop.check_and_alert()
    shop.set([("C1", "ops", "0", "EUR")])
    shop.check_and_alert(webhook_for=lambda owner: None)  # cleared, nobody told yet
    shop.set([("C1", "ops", "12.40", "EUR")])
    receiver.clear()
    shop.check_and_alert()
    assert receiver.posts == []  # from ops' side it never cleared
    assert shop.alerts() == [
        ("ops", "every paid billing cycle reconciles", "C1", "open", True, False)
    ]


def test_when_alerts_are_off_the_state_is_kept_and_nothing_is_posted(shop, receiver):
    shop.set([("C1", "ops", "12.40", "EUR")])
    report = shop.check_and_alert(webhook_for=None)
    assert report.opened == 1 and report.deliveries == [] and receiver.posts == []
    assert shop.alerts()[0][3:] == ("open", False, False)
