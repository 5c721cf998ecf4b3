"""Planning: each open exception writeback can correct gets one correction, or goes to a person."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from recon.cli import cli
from recon.transform import transform
from tests.writeback.conftest import BuiltWorld, fast_settings
from writeback import planning
from writeback.runs import plan
from writeback.settings import WritebackSettings, load_settings
from writeback.store import read_corrections


def _copy(built_world: BuiltWorld, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(built_world.warehouse, target)
    return target


@pytest.fixture(scope="module")
def planned(built_world: BuiltWorld, tmp_path_factory: pytest.TempPathFactory):
    warehouse = _copy(built_world, tmp_path_factory.mktemp("plan") / "recon.duckdb")
    report = plan(warehouse, fast_settings())
    by_entity = {(c.exception_type, c.entity_id): c for c in report.batch}
    return warehouse, by_entity


def _rows(warehouse: Path, sql: str, *params):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


def _open(warehouse: Path, kind: str) -> set[str]:
    return {
        entity
        for (entity,) in _rows(
            warehouse,
            "select entity_id from exceptions where status = 'open' and exception_type = ?",
            kind,
        )
    }


def test_every_correctable_open_exception_gets_exactly_one_correction(planned):
    warehouse, by_entity = planned
    for kind in planning.RULES:
        assert {entity for (k, entity) in by_entity if k == kind} == _open(warehouse, kind)
    ids = [c.correction_id for c in by_entity.values()]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids)
    assert {c.status for c in by_entity.values()} <= {"planned", "routed"}


def test_stock_is_set_with_one_sto01_line_of_the_expected_quantity_never_with_of24(planned):
    warehouse, by_entity = planned
    positions = {
        sku: (mirakl, expected)
        for sku, mirakl, expected in _rows(
            warehouse,
            "select shop_sku, mirakl_quantity, expected_quantity from ops.stock_positions",
        )
    }
    stock = [c for (kind, _), c in by_entity.items() if kind == "stock_mismatch"]
    assert stock
    for correction in stock:
        mirakl, expected = positions[correction.entity_id]
        assert correction.action == "STO01"
        assert correction.requests == [
            {
                "operation": "STO01",
                "method": "POST",
                "path": "/offers/stock/imports",
                "row": {
                    "offer-sku": correction.entity_id,
                    "quantity": int(expected),
                    "warehouse-code": "",
                    "update-delete": "update",
                },
            }
        ]
        assert correction.observed == {"quantity": mirakl}
    # OF24 (POST /offers) would reset every offer field it is not sent: never planned.
    assert all(request["path"] != "/offers" for c in by_entity.values() for request in c.requests)


def test_an_order_is_accepted_only_when_the_erp_holds_it_and_its_stock_covers_it(planned):
    warehouse, by_entity = planned
    waiting = {e: c for (k, e), c in by_entity.items() if k == "unacknowledged_order"}
    erp_orders = dict(
        _rows(
            warehouse,
            "select order_id, erp_order_id from ops.order_reconciliation "
            "where order_id in (select unnest(?))",
            list(waiting),
        )
    )
    accepted = {e for e, c in waiting.items() if c.action == "OR21"}
    assert accepted and accepted == {e for e in waiting if erp_orders.get(e)}
    for order_id in accepted:
        lines = [
            line_id
            for (line_id,) in _rows(
                warehouse,
                "select order_line_id from mirakl.orders__order_lines where order_id = ? "
                "and order_line_state = 'WAITING_ACCEPTANCE' order by order_line_index",
                order_id,
            )
        ]
        (request,) = waiting[order_id].requests
        assert request["path"] == f"/orders/{order_id}/accept"
        assert request["body"] == {"order_lines": [{"accepted": True, "id": i} for i in lines]}
    for order_id, correction in waiting.items():
        if order_id not in accepted:
            assert correction.action == "route_to_person" and correction.status == "routed"
            assert "the ERP holds no sales order" in correction.reason
            assert correction.requests == []


def test_an_order_the_erp_holds_but_cannot_fill_goes_to_a_person(built_world, tmp_path):
    warehouse = _copy(built_world, tmp_path / "recon.duckdb")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        exceptions = planning.open_exceptions(con)
        landed = planning.read_landed(con, exceptions)
    order = next(
        e
        for e in exceptions
        if e.exception_type == "unacknowledged_order"
        and (landed.erp_orders.get(e.entity_id) or {}).get("erp_order_id")
    )
    sku = landed.lines[order.entity_id][0]["offer_sku"]
    # The ERP's available-to-sell drops to nothing for the first line's offer.
    landed.stock[sku] = {**landed.stock[sku], "expected_quantity": Decimal(0)}
    correction = planning.plan_acceptance(order, landed, WritebackSettings())
    assert correction.action == "route_to_person"
    assert f"stock does not cover order {order.entity_id}" in correction.reason
    assert f"{sku} needs" in correction.reason


def test_a_shipped_order_gets_the_mapped_carrier_code_and_tracking_then_ship(planned):
    warehouse, by_entity = planned
    codes = {code for (code,) in _rows(warehouse, "select code from mirakl.carriers")}
    carrier_map = {
        erp.strip().lower(): code
        for erp, code in _rows(warehouse, "select * from reference.carrier_map")
    }
    parcels = {
        order: (carrier, tracking)
        for order, carrier, tracking in _rows(
            warehouse,
            "select marketplace_order_id, carrier, tracking_number from erp_files.fulfilments",
        )
    }
    shipping = {e: c for (k, e), c in by_entity.items() if k == "fulfilled_not_shipped"}
    sent = {e: c for e, c in shipping.items() if c.action == "OR23+OR24"}
    assert len(sent) >= 4
    for order_id, correction in sent.items():
        carrier, tracking = parcels[order_id]
        tracking_request, ship_request = correction.requests
        assert tracking_request["operation"] == "OR23"
        assert tracking_request["body"] == {
            "carrier_code": carrier_map[carrier.strip().lower()],
            "tracking_number": tracking,
        }
        assert tracking_request["body"]["carrier_code"] in codes
        assert ship_request == {
            "operation": "OR24",
            "method": "PUT",
            "path": f"/orders/{order_id}/ship",
        }
    unmapped, unknown = sorted(
        (c.reason for e, c in shipping.items() if e not in sent), key=lambda r: "Geodis" not in r
    )
    assert "'Geodis' has no Mirakl code in reference.carrier_map" in unmapped
    assert "'MONDIAL_RELAY', which Mirakl does not list (SH21)" in unknown


def test_an_unmirrored_refund_is_refunded_line_by_line_with_an_re01_refund_reason(planned):
    warehouse, by_entity = planned
    reasons = dict(_rows(warehouse, "select code, label from mirakl.reasons where type = 'REFUND'"))
    refunds = {e: c for (k, e), c in by_entity.items() if k == "refund_not_mirrored"}
    sent = [c for c in refunds.values() if c.action == "OR28"]
    assert len(sent) == 2
    for correction in sent:
        (request,) = correction.requests
        assert request["path"] == "/orders/refund"
        entries = request["body"]["refunds"]
        total = sum(Decimal(e["amount"]) + Decimal(e["shipping_amount"]) for e in entries)
        # The exception's amount at risk is what the ERP refunded beyond Mirakl.
        assert total == correction.amount_at_risk
        erp_reason = _rows(
            warehouse,
            "select reason from erp_files.refunds where marketplace_order_id = ?",
            correction.entity_id,
        )[-1][0]
        for entry in entries:
            assert reasons[entry["reason_code"]] == erp_reason
            assert entry["currency_iso_code"] == correction.currency
    (routed,) = [c for c in refunds.values() if c.action == "route_to_person"]
    assert "no RE01 REFUND reason matches the ERP's reason" in routed.reason
    assert "default_refund_reason" in routed.reason


def test_a_configured_default_refund_reason_fills_in_when_no_label_matches(built_world, tmp_path):
    warehouse = _copy(built_world, tmp_path / "recon.duckdb")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        corrections = planning.build_plan(con, WritebackSettings(default_refund_reason="16"))
    refunds = [c for c in corrections if c.exception_type == "refund_not_mirrored"]
    assert all(c.action == "OR28" for c in refunds)
    codes = {e["reason_code"] for c in refunds for e in c.requests[0]["body"]["refunds"]}
    assert "16" in codes


def test_planning_again_changes_nothing_and_the_ids_are_stable(planned):
    warehouse, by_entity = planned
    again = plan(warehouse, fast_settings())
    assert again.changes.added == () and again.changes.superseded == ()
    assert {c.correction_id for c in again.batch} == {c.correction_id for c in by_entity.values()}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert [c.correction_id for c in planning.build_plan(con, fast_settings())] == [
            c.correction_id for c in planning.build_plan(con, fast_settings())
        ]


def test_a_correction_is_superseded_when_its_exception_changes_or_goes(built_world, tmp_path):
    warehouse = _copy(built_world, tmp_path / "recon.duckdb")
    first = {c.entity_id: c for c in plan(warehouse, fast_settings()).batch}
    fixed, changed = sorted(
        c.entity_id for c in first.values() if c.exception_type == "stock_mismatch"
    )[:2]
    with duckdb.connect(str(warehouse)) as con:
        expected = dict(
            con.execute("select shop_sku, expected_quantity from ops.stock_positions").fetchall()
        )
        # Somebody sets one offer right on Mirakl, and another one differently wrong.
        con.execute(
            "update mirakl.offers set quantity = ? where shop_sku = ?", [expected[fixed], fixed]
        )
        con.execute(
            "update mirakl.offers set quantity = ? where shop_sku = ?",
            [expected[changed] + 40, changed],
        )
        (as_of,) = con.execute("select max(detected_at) from exceptions").fetchone()
    transform(warehouse, as_of=as_of + dt.timedelta(minutes=5))
    second = plan(warehouse, fast_settings())
    assert set(second.changes.superseded) == {
        first[fixed].correction_id,
        first[changed].correction_id,
    }
    with duckdb.connect(str(warehouse), read_only=True) as con:
        old = {c.correction_id: c for c in read_corrections(con, "status = 'superseded'")}
    assert old[first[fixed].correction_id].reason == "its exception is no longer open"
    assert "a new correction replaces it" in old[first[changed].correction_id].reason
    (replacement,) = [c for c in second.batch if c.entity_id == changed]
    assert replacement.status == "planned"
    assert replacement.observed == {"quantity": int(expected[changed] + 40)}


def test_auto_approve_is_off_by_default_and_set_per_correction_type(
    built_world, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)  # no .dlt/config.toml here
    assert load_settings().auto_approve == frozenset()
    monkeypatch.setenv("WRITEBACK__AUTO_APPROVE__STOCK_MISMATCH", "true")
    settings = load_settings()
    assert settings.auto_approve == {"stock_mismatch"}
    warehouse = _copy(built_world, tmp_path / "recon.duckdb")
    report = plan(warehouse, fast_settings(auto_approve=settings.auto_approve))
    for correction in report.batch:
        if correction.exception_type == "stock_mismatch":
            assert (correction.status, correction.approved_by) == (
                "approved",
                planning.AUTO_APPROVER,
            )
        else:
            assert correction.status in ("planned", "routed")
    with pytest.raises(ValueError, match="unknown correction type"):
        WritebackSettings(auto_approve=frozenset({"payout_variance"}))


def test_writeback_plan_is_the_default_command_and_sends_nothing(built_world, tmp_path):
    warehouse = _copy(built_world, tmp_path / "recon.duckdb")
    # No Mirakl is configured at all: planning never calls it.
    result = CliRunner().invoke(
        cli, ["writeback", "--warehouse", str(warehouse)], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 0, result.output
    assert "Writeback plan (nothing sent)" in result.output
    for action in ("STO01", "OR21", "OR23+OR24", "OR28", "person"):
        assert action in result.output
    assert "planned" in result.output and "routed" in result.output
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select count(*) from writeback.attempts").fetchone() == (0,)
