"""The shipped suites on a demo world: clean landed data passes, every injected breach fails the
right expectation with the right keys, and results accumulate run after run."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import shutil
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from expectations.config import load_thresholds
from expectations.runner import evaluate
from expectations.suites import BUSINESS, LANDED, business_batches, landed_data_batches
from recon.checks import data_docs_dir, run_checks
from recon.timestamps import parse_utc
from sandbox.world.truth import read_truth
from tests.conftest import AS_OF
from tests.dbt_project.test_drift_models import build_warehouse

LANDED_TABLES = {
    "mirakl.orders",
    "mirakl.orders__order_lines",
    "mirakl.orders__order_lines__refunds",
    "mirakl.offers",
    "mirakl.transaction_logs",
    "mirakl.billing_cycles",
    *(
        f"intermediate.int_erp__{entity}"
        for entity in (
            "items",
            "stock_levels",
            "sales_orders",
            "sales_order_lines",
            "fulfilments",
            "refunds",
            "ledger_entries",
            "bank_deposits",
        )
    ),
}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """One world (seed 7) landed and built, then checked once as of the world's as_of."""
    layout, warehouse = build_warehouse(tmp_path_factory.mktemp("suites"), seed=7)
    outcome = run_checks(warehouse, as_of=AS_OF)
    return layout, warehouse, outcome


def _truth(layout, kind: str) -> set[str]:
    return {entity for k, entity in read_truth(layout.truth_path) if k == kind}


def _by_name(results):
    return {result.expectation: result for result in results}


def _evaluate(warehouse: Path, batches, as_of=AS_OF):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return evaluate(
            con, batches, as_of=as_of, run_id="20260501T120000Z-00aa11", run_time=as_of
        ).results


def _copy(warehouse: Path, tmp_path: Path) -> Path:
    copy = tmp_path / warehouse.name
    shutil.copyfile(warehouse, copy)
    return copy


def test_every_landed_table_is_checked_and_a_clean_world_passes_them_all(built):
    _, _, outcome = built
    landed = [r for r in outcome.results if r.suite == LANDED]
    assert {r.table_name for r in landed} == LANDED_TABLES
    failed = [(r.expectation, r.observed_value) for r in landed if not r.success]
    assert failed == []
    rows = _by_name(landed)["mirakl.orders has rows"]
    assert rows.observed_value.endswith(" rows") and rows.observed_value != "0 rows"


def test_paid_cycles_off_fail_reconciliation_with_exactly_the_injected_cycles(built):
    layout, _, outcome = built
    result = _by_name(outcome.results)["every paid billing cycle reconciles"]
    assert result.suite == BUSINESS and result.severity == "critical"
    assert not result.success
    assert set(result.failing_keys) == _truth(layout, "payout_variance")
    assert result.unexpected_count == len(result.failing_keys)
    assert set(result.owner_of_key.values()) == {"finance"}


def test_open_critical_exceptions_fail_with_their_type_and_entity(built):
    layout, warehouse, outcome = built
    with duckdb.connect(str(warehouse), read_only=True) as con:
        critical = {
            f"{kind}:{entity}"
            for kind, entity in con.execute(
                "select exception_type, entity_id from exceptions "
                "where status = 'open' and severity = 'critical'"
            ).fetchall()
        }
    assert critical, "the demo world always has a critical exception"
    result = _by_name(outcome.results)["no critical exception open"]
    assert not result.success
    assert set(result.failing_keys) == critical
    truth = read_truth(layout.truth_path)
    assert {tuple(key.split(":", 1)) for key in result.failing_keys} <= truth


@pytest.mark.parametrize("percent", ["1", "50"])
def test_stock_mismatches_breach_above_their_share_of_active_offers(built, percent):
    layout, warehouse, _ = built
    thresholds = load_thresholds()
    thresholds = dataclasses.replace(
        thresholds,
        business=dataclasses.replace(
            thresholds.business, max_percent_of_active_offers=Decimal(percent)
        ),
    )
    results = _by_name(_evaluate(warehouse, business_batches(thresholds)))
    result = results["stock mismatches within their share of active offers"]
    active = sum(1 for offer in layout.read_mirakl("offers") if offer["active"])
    mismatched = _truth(layout, "stock_mismatch")
    assert result.success is (len(mismatched) / active <= int(percent) / 100)
    if not result.success:
        assert set(result.failing_keys) == mismatched
        assert f"{len(mismatched)} of {active} rows flagged" in result.observed_value


@pytest.mark.parametrize("share", ["0", "0.02", "0.5"])
def test_orders_waiting_past_their_share_of_the_acceptance_window_breach(built, share):
    layout, warehouse, _ = built
    thresholds = load_thresholds()
    thresholds = dataclasses.replace(
        thresholds,
        business=dataclasses.replace(
            thresholds.business, max_share_of_acceptance_window=Decimal(share)
        ),
    )
    results = _by_name(_evaluate(warehouse, business_batches(thresholds)))
    result = results["no order unacknowledged past its acceptance threshold"]
    window = dt.timedelta(hours=72)
    late = {
        order["order_id"]
        for order in layout.read_mirakl("orders")
        if order["order_state"] == "WAITING_ACCEPTANCE"
        and AS_OF - parse_utc(order["created_date"]) > window * float(share)
    }
    assert set(result.failing_keys) == late
    assert result.success is (not late)
    if share == "0.02":  # 86 minutes: the orders the world left waiting too long, not the fresh one
        assert late and late <= _truth(layout, "unacknowledged_order")


def test_broken_landed_records_fail_their_expectation_with_their_keys(built, tmp_path):
    layout, warehouse, _ = built
    copy = _copy(warehouse, tmp_path)
    order, other = sorted(o["order_id"] for o in layout.read_mirakl("orders"))[:2]
    offers = sorted(o["shop_sku"] for o in layout.read_mirakl("offers"))
    cycle = layout.read_mirakl("billing_cycles")[0]["id"]
    with duckdb.connect(str(copy)) as con:
        con.execute(
            "update mirakl.orders set order_state = 'TELEPORTED' where order_id = ?", [order]
        )
        con.execute(
            "update mirakl.orders set created_date = ? where order_id = ?",
            [AS_OF + dt.timedelta(days=3), other],
        )
        con.execute("update mirakl.offers set shop_sku = ? where shop_sku = ?", offers[:2])
        con.execute(
            "update mirakl.billing_cycles set currency_iso_code = 'EURO' where id = ?", [cycle]
        )
    results = _by_name(_evaluate(copy, landed_data_batches(load_thresholds())))
    state = results["mirakl.orders.order_state is a Mirakl order state"]
    assert (state.success, state.failing_keys, state.severity) == (False, (order,), "critical")
    future = results["mirakl.orders.created_date is not in the future"]
    assert (future.success, future.failing_keys) == (False, (other,))
    duplicate = results["mirakl.offers.shop_sku is unique"]
    assert (duplicate.success, duplicate.failing_keys) == (False, (offers[0],))
    currency = results["mirakl.billing_cycles.currency_iso_code is an ISO 4217 currency"]
    assert (currency.success, currency.failing_keys) == (False, (cycle,))
    assert "'EURO'" in currency.observed_value
    failed = {name for name, result in results.items() if not result.success}
    assert failed == {state.expectation, future.expectation, duplicate.expectation,
                      currency.expectation}  # fmt: skip


def test_results_and_run_history_persist_across_runs(built, tmp_path):
    _, warehouse, first = built
    copy = _copy(warehouse, tmp_path)
    second = run_checks(copy, as_of=AS_OF + dt.timedelta(minutes=5), command="run")
    with duckdb.connect(str(copy), read_only=True) as con:
        runs = con.execute(
            "select run_id, as_of, success, evaluated, failed, critical_failed, data_docs_path, "
            "command from monitoring.check_runs order by started_at"
        ).fetchall()
        per_run = dict(
            con.execute(
                "select run_id, count(*) from monitoring.check_results group by run_id"
            ).fetchall()
        )
        stored = con.execute(
            "select failing_keys, severity, success from monitoring.check_results "
            "where run_id = ? and expectation = 'every paid billing cycle reconciles'",
            [second.run_id],
        ).fetchone()
    assert [run[0] for run in runs] == [first.run_id, second.run_id]
    assert runs[0][1:6] == (
        AS_OF,
        False,
        len(first.results),
        len(first.failed),
        len(first.critical_failed),
    )
    assert runs[1][1] == AS_OF + dt.timedelta(minutes=5) and runs[1][7] == "run"
    assert per_run == {first.run_id: len(first.results), second.run_id: len(second.results)}
    keys, severity, success = stored
    assert sorted(json.loads(keys)) == sorted(
        _by_name(second.results)["every paid billing cycle reconciles"].failing_keys
    )
    assert (severity, success) == ("critical", False)
    assert Path(runs[1][6]) == data_docs_dir(copy) / "index.html"
    assert Path(runs[1][6]).exists()
