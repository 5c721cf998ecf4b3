"""Applying: approved corrections reach Mirakl once each, and the next run proves them."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import duckdb
import pytest
from click.testing import CliRunner

from recon.cli import cli
from tests.writeback.conftest import LiveWorld, fast_settings
from writeback.approvals import record_approval
from writeback.runs import apply, plan
from writeback.settings import CORRECTION_TYPES
from writeback.store import read_corrections


def _rows(live: LiveWorld, sql: str, *params):
    with duckdb.connect(str(live.warehouse), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


def _corrections(live: LiveWorld, where: str = "true", *params):
    with duckdb.connect(str(live.warehouse), read_only=True) as con:
        return read_corrections(con, where, params)


def _open(live: LiveWorld) -> set[tuple[str, str]]:
    return set(
        _rows(live, "select exception_type, entity_id from exceptions where status = 'open'")
    )


def _approve_all(live: LiveWorld, kind: str | None = None) -> list[str]:
    where = "status = 'planned'" + (" and exception_type = ?" if kind else "")
    ids = [c.correction_id for c in _corrections(live, where, *([kind] if kind else []))]
    record_approval(live.warehouse, ids, "tester")
    return ids


def test_closed_loop_plan_approve_apply_and_the_next_run_resolves_what_was_fixed(live_world):
    live = live_world()
    runner = CliRunner()
    with live.serving():
        env = live.cli_env()
        before = _open(live)
        planned = runner.invoke(cli, ["writeback", "plan"], env=env)
        assert planned.exit_code == 0, planned.output
        for kind in CORRECTION_TYPES:
            approved = runner.invoke(
                cli, ["writeback", "approve", "--all", "--type", kind, "--by", "ops"], env=env
            )
            assert approved.exit_code == 0, approved.output
        applied = runner.invoke(cli, ["writeback", "apply"], env=env)
        assert applied.exit_code == 0, applied.output
        assert "Writeback applied" in applied.output

        corrections = _corrections(live, "status <> 'superseded'")
        by_status = Counter(c.status for c in corrections)
        assert by_status == {"applied": 11, "refused": 1, "routed": 6}, by_status
        # Each request of each correction reached Mirakl exactly once; nothing for the routed.
        for correction in corrections:
            expected = 0 if correction.status == "routed" else 1
            assert set(live.deliveries(correction).values()) <= {expected}, correction.summary
        # The stock corrections travel together in one STO01 file.
        stock = [c for c in corrections if c.action == "STO01"]
        assert len(live.writes()) == 1 + sum(
            len(c.requests) for c in corrections if c.action != "STO01"
        )
        assert len(stock) == 3
        log = live.sandbox.request_log
        assert not [r for r in log if r.method == "POST" and r.path == "/api/offers"]  # no OF24
        stock_polls = [r for r in log if r.path.endswith("/status")]
        assert stock_polls and stock_polls[-1].status == 200

        live.run()
    after = _open(live)
    fixed = {(c.exception_type, c.entity_id) for c in corrections if c.status == "applied"}
    accepted = {c.entity_id for c in corrections if c.action == "OR21" and c.status == "applied"}
    assert fixed and not fixed & after, "an applied correction left its exception open"
    # Accepting an order the ERP had imported early also ends its premature_erp_order.
    consequences = {("premature_erp_order", order) for order in accepted} & before
    assert after == before - fixed - consequences
    for correction in corrections:
        if correction.status in ("refused", "routed"):
            assert (correction.exception_type, correction.entity_id) in after

    # The refusal is recorded with Mirakl's answer, raised for a person, and never resent.
    (refused,) = [c for c in corrections if c.status == "refused"]
    assert "Mirakl refused OR28 (HTTP 400)" in refused.reason
    assert "ORDER_LINE_INVALID_STATE" in refused.reason and "a person must look" in refused.reason
    audit = _rows(
        live,
        "select http_status, outcome, error_message from writeback.attempts "
        "where correction_id = ?",
        refused.correction_id,
    )
    assert audit == [(400, "refused", refused.last_error)]
    with live.serving():
        sent = len(live.writes())
        again = runner.invoke(cli, ["writeback", "apply"], env=live.cli_env())
        assert again.exit_code == 0, again.output
        assert len(live.writes()) == sent
    replanned = {c.correction_id: c for c in plan(live.warehouse, fast_settings()).batch}
    assert replanned[refused.correction_id].status == "refused"
    assert not {c.correction_id for c in corrections if c.status == "applied"} & set(replanned)


def test_every_call_is_audited_with_its_request_status_and_import_id(live_world):
    live = live_world()
    plan(live.warehouse, fast_settings())
    _approve_all(live, "stock_mismatch")
    _approve_all(live, "fulfilled_not_shipped")
    with live.serving():
        apply(live.warehouse, fast_settings(), live.connection())
    rows = _rows(
        live,
        "select c.action, a.operation, a.method, a.path, a.request_body, a.http_status, "
        "a.mirakl_import_id, a.outcome, a.duration_ms, a.attempted_at "
        "from writeback.attempts a join writeback.corrections c using (correction_id) "
        "order by a.attempted_at",
    )
    sto01 = [r for r in rows if r[1] == "STO01"]
    assert sto01 and {(r[2], r[3], r[5], r[7]) for r in sto01} == {
        ("POST", "/api/offers/stock/imports", 201, "submitted")
    }
    import_ids = {r[6] for r in sto01}
    assert len(import_ids) == 1 and None not in import_ids
    assert sto01[0][4].startswith('"offer-sku";"quantity";"warehouse-code";"update-delete"')
    polls = [r for r in rows if r[1] == "STO02"]
    assert polls and polls[-1][7] == "import COMPLETE" and {r[6] for r in polls} == import_ids
    for operation, status in (("OR23", 204), ("OR24", 204)):
        calls = [r for r in rows if r[1] == operation]
        assert calls and {(r[2], r[5]) for r in calls} == {("PUT", status)}
    tracking = next(r for r in rows if r[1] == "OR23")
    assert '"carrier_code"' in tracking[4] and '"tracking_number"' in tracking[4]
    assert all(r[8] is not None and r[9].tzinfo is not None for r in rows)


def test_a_line_mirakl_rejects_in_a_stock_import_is_refused_from_its_error_report(live_world):
    live = live_world()
    plan(live.warehouse, fast_settings())
    stock = _approve_all(live, "stock_mismatch")
    gone = _corrections(live, "correction_id = ?", stock[0])[0].entity_id
    # Between plan and apply, the offer is deleted in Mirakl's back office.
    del live.sandbox.state.offers[gone]
    with live.serving():
        _, report = apply(live.warehouse, fast_settings(), live.connection())
    results = {c.entity_id: c for c in _corrections(live, "action = 'STO01'")}
    assert results[gone].status == "refused"
    assert f"The offer with sku '{gone}' does not exist" in results[gone].reason
    assert "line 2 of stock import" in results[gone].reason
    assert {c.status for sku, c in results.items() if sku != gone} == {"applied"}
    reports = [r for r in live.sandbox.request_log if r.path.endswith("/error_report")]
    assert len(reports) == 1 and reports[0].status == 200
    assert report.count("refused") == 1


def test_an_order_cancelled_before_apply_is_refused_and_its_ship_never_sent(live_world):
    live = live_world()
    plan(live.warehouse, fast_settings())
    ids = _approve_all(live, "fulfilled_not_shipped")
    target = _corrections(live, "correction_id = ?", ids[0])[0]
    live.sandbox.touch_order(target.entity_id, order_state="CANCELED")
    with live.serving():
        apply(live.warehouse, fast_settings(), live.connection())
    refused = _corrections(live, "correction_id = ?", target.correction_id)[0]
    assert refused.status == "refused" and "ORDER_INVALID_STATE" in refused.reason
    assert live.deliveries(refused) == {"OR23": 1, "OR24": 0}


def test_429_is_waited_out_with_retry_after_and_nothing_is_sent_twice(live_world):
    live = live_world(request_budget=3, budget_window_seconds=1.0, retry_after_seconds=1)
    plan(live.warehouse, fast_settings())
    _approve_all(live, "fulfilled_not_shipped")
    with live.serving():
        _, report = apply(live.warehouse, fast_settings(), live.connection())
    corrections = _corrections(live, "action = 'OR23+OR24'")
    assert {c.status for c in corrections} == {"applied"}
    assert all(live.deliveries(c) == {"OR23": 1, "OR24": 1} for c in corrections)
    audit = _rows(
        live, "select http_status, outcome, attempted_at from writeback.attempts order by 3"
    )
    throttled = [i for i, row in enumerate(audit) if row[0] == 429]
    assert throttled, "the budget should have throttled some calls"
    for index in throttled:
        assert audit[index][1] == "retried"
        # The next call came no sooner than Retry-After (1 s) later.
        assert audit[index + 1][2] - audit[index][2] >= dt.timedelta(seconds=0.95)
    assert report.stopped is None


def test_5xx_are_retried_after_reading_mirakl_back_and_each_change_lands_once(live_world):
    live = live_world()
    plan(live.warehouse, fast_settings())
    for kind in CORRECTION_TYPES:
        _approve_all(live, kind)
    with live.serving():
        live.trouble_writes(seed=5, error_rate=0.4)
        _, report = apply(live.warehouse, fast_settings(max_attempts=8), live.connection())
    corrections = _corrections(live, "status in ('applied', 'refused')")
    assert Counter(c.status for c in corrections) == {"applied": 11, "refused": 1}
    for correction in corrections:
        assert set(live.deliveries(correction).values()) == {1}, correction.summary
    outcomes = Counter(
        outcome for (outcome,) in _rows(live, "select outcome from writeback.attempts")
    )
    assert outcomes["in doubt"] > 0 and outcomes["read back: not applied"] > 0
    assert report.writes_sent > len(live.writes())


def test_a_timed_out_write_that_mirakl_applied_is_read_back_not_resent(live_world):
    live = live_world()
    plan(live.warehouse, fast_settings())
    for kind in CORRECTION_TYPES:
        _approve_all(live, kind)
    settings = fast_settings(request_timeout=0.4, in_doubt_grace_seconds=3.0, max_attempts=2)
    with live.serving():
        # Every write is answered too late for the client, but Mirakl carries it out.
        live.trouble_writes(seed=1, slow_rate=1.0, slow_seconds=0.8)
        apply(live.warehouse, settings, live.connection())
    corrections = _corrections(live, "status in ('applied', 'refused', 'failed')")
    # The refund on a CLOSED order never gets an answer in time: Mirakl's 400 is lost to the
    # timeout, reading back shows no refund, and after max_attempts it is left for a person.
    assert Counter(c.status for c in corrections) == {"applied": 11, "failed": 1}
    for correction in corrections:
        if correction.status == "applied":
            assert set(live.deliveries(correction).values()) == {1}, correction.summary
        else:
            assert "gave up after 2 send(s)" in correction.reason
    outcomes = Counter(
        outcome for (outcome,) in _rows(live, "select outcome from writeback.attempts")
    )
    assert outcomes["in doubt"] >= 11 + 6 and outcomes["read back: applied"] >= 11 + 6


def test_a_correction_that_keeps_failing_is_given_up_not_retried_forever(live_world):
    live = live_world()
    plan(live.warehouse, fast_settings())
    ids = _approve_all(live, "unacknowledged_order")
    (order,) = _corrections(live, "correction_id in (select unnest(?))", ids)
    settings = fast_settings(max_attempts=2)
    with live.serving():
        live.trouble_writes(seed=2, error_rate=1.0)
        apply(live.warehouse, settings, live.connection())
        failed = _corrections(live, "correction_id = ?", order.correction_id)[0]
        assert failed.status == "failed" and "gave up after 2 send(s)" in failed.reason
        tries = [r for r in live.sandbox.request_log if r.path.endswith("/accept")]
        assert [r.fault for r in tries] == ["error", "error"]
        apply(live.warehouse, settings, live.connection())
        assert len([r for r in live.sandbox.request_log if r.path.endswith("/accept")]) == 2
        # A person approves it again once Mirakl is healthy: it goes through.
        live.trouble_writes()
        record_approval(live.warehouse, [order.correction_id], "ops")
        apply(live.warehouse, settings, live.connection())
    done = _corrections(live, "correction_id = ?", order.correction_id)[0]
    assert done.status == "applied" and live.deliveries(done) == {"OR21": 1}


def test_a_rejected_key_stops_the_apply_and_keeps_the_corrections_approved(live_world):
    live = live_world()
    plan(live.warehouse, fast_settings())
    ids = _approve_all(live, "fulfilled_not_shipped")
    with live.serving():
        result = CliRunner().invoke(
            cli,
            ["writeback", "apply"],
            env=live.cli_env(SOURCES__MIRAKL__API_KEY="wrong-key-0042"),
        )
    assert result.exit_code == 1
    assert "Mirakl refused the API key (HTTP 401" in result.output
    assert "SOURCES__MIRAKL__API_KEY" in result.output and "wrong-key-0042" not in result.output
    statuses = {c.status for c in _corrections(live, "correction_id in (select unnest(?))", ids)}
    assert statuses == {"approved"}
    assert live.writes() == []


@pytest.mark.parametrize("missing", ["SOURCES__MIRAKL__BASE_URL", "SOURCES__MIRAKL__API_KEY"])
def test_apply_names_the_missing_mirakl_setting(live_world, missing, monkeypatch):
    live = live_world()
    monkeypatch.chdir(live.warehouse.parent)
    plan(live.warehouse, fast_settings())
    ids = _approve_all(live, "stock_mismatch")
    with live.serving():
        env = live.cli_env()
    env[missing] = ""
    result = CliRunner().invoke(cli, ["writeback", "apply"], env=env)
    assert result.exit_code == 1
    assert missing in result.output
    # Checked before anything is marked as sending: the corrections simply wait.
    statuses = {c.status for c in _corrections(live, "correction_id in (select unnest(?))", ids)}
    assert statuses == {"approved"}
