"""Approvals: recorded beside the warehouse at any time, taken in by the next plan or apply."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from recon.cli import cli
from recon.warehouse import run_lock
from tests.writeback.conftest import BuiltWorld, fast_settings
from writeback.approvals import (
    ApprovalError,
    inbox_path,
    pending_approvals,
    record_approval,
)
from writeback.runs import plan
from writeback.store import read_corrections


@pytest.fixture
def warehouse(built_world: BuiltWorld, tmp_path: Path) -> Path:
    target = tmp_path / "recon.duckdb"
    shutil.copyfile(built_world.warehouse, target)
    plan(target, fast_settings())
    return target


def _corrections(warehouse: Path, where: str = "true"):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return read_corrections(con, where)


def test_an_approval_is_recorded_while_a_run_holds_the_warehouse_without_opening_it(warehouse):
    before = warehouse.read_bytes()
    (first, *_) = _corrections(warehouse, "status = 'planned'")
    # A writer holds DuckDB's own lock on the file, and a run holds the run lock.
    with run_lock(warehouse, "run"), duckdb.connect(str(warehouse)):
        recorded = record_approval(warehouse, [first.correction_id], "ops@shop.example")
    assert [a.correction_id for a in recorded] == [first.correction_id]
    assert warehouse.read_bytes() == before
    assert [a.approved_by for a in pending_approvals(warehouse)] == ["ops@shop.example"]


APPROVE = (
    "import sys; from writeback.approvals import record_approval; "
    "record_approval(sys.argv[1], sys.argv[3:], sys.argv[2], via='dashboard')"
)


def test_approvals_from_several_processes_at_once_are_all_kept(warehouse):
    ids = [c.correction_id for c in _corrections(warehouse, "status = 'planned'")]
    processes = [
        subprocess.Popen([sys.executable, "-c", APPROVE, str(warehouse), f"user-{n}", i])
        for n, i in enumerate(ids)
    ]
    assert [process.wait(timeout=60) for process in processes] == [0] * len(ids)
    inbox = pending_approvals(warehouse)
    assert sorted(a.correction_id for a in inbox) == sorted(ids)
    assert {a.via for a in inbox} == {"dashboard"}


def test_the_next_plan_takes_approvals_in_and_empties_the_inbox(warehouse):
    planned = _corrections(warehouse, "status = 'planned'")
    routed = _corrections(warehouse, "status = 'routed'")[0]
    chosen = planned[:2]
    record_approval(warehouse, [c.correction_id for c in chosen], "jane", via="dashboard")
    record_approval(warehouse, [routed.correction_id, "f" * 32], "jane")
    inbox = inbox_path(warehouse).read_text()
    report = plan(warehouse, fast_settings())
    outcomes = {c.approval.correction_id: c.outcome for c in report.approvals}
    assert outcomes == {
        chosen[0].correction_id: "approved",
        chosen[1].correction_id: "approved",
        routed.correction_id: "ignored: the correction is routed",
        "f" * 32: "ignored: no such correction",
    }
    assert inbox_path(warehouse).read_text() == ""
    for correction in _corrections(warehouse, "status = 'approved'"):
        assert correction.approved_by == "jane" and correction.approved_at is not None
    with duckdb.connect(str(warehouse), read_only=True) as con:
        audit = con.execute(
            "select correction_id, approved_by, via, outcome from writeback.approvals"
        ).fetchall()
    assert (chosen[0].correction_id, "jane", "dashboard", "approved") in audit
    # A run killed after committing but before emptying the inbox: the same lines come back,
    # and taking them in again changes nothing.
    inbox_path(warehouse).write_text(inbox)
    again = plan(warehouse, fast_settings())
    assert {c.approval.correction_id: c.outcome for c in again.approvals} == outcomes
    assert len(_corrections(warehouse, "status = 'approved'")) == 2
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select count(*) from writeback.approvals").fetchone() == (len(audit),)


def test_an_approval_needs_someone_and_some_ids(warehouse):
    with pytest.raises(ApprovalError, match="approved_by is required"):
        record_approval(warehouse, ["abc"], "  ")
    with pytest.raises(ApprovalError, match="no correction ids"):
        record_approval(warehouse, [], "jane")
    with pytest.raises(ApprovalError, match="empty correction id"):
        record_approval(warehouse, [""], "jane")
    assert pending_approvals(warehouse) == []


def test_a_torn_inbox_line_is_reported_and_does_not_stop_the_run(warehouse):
    (first, *_) = _corrections(warehouse, "status = 'planned'")
    record_approval(warehouse, [first.correction_id], "jane")
    with inbox_path(warehouse).open("a") as inbox:
        inbox.write('{"correction_id": "abc", "appro')  # a writer killed mid-line
    report = plan(warehouse, fast_settings())
    outcomes = sorted(c.outcome for c in report.approvals)
    assert outcomes == ["approved", "ignored: no such correction"]


def test_approve_on_the_command_line_by_id_prefix_or_by_type(warehouse):
    runner = CliRunner()
    planned = _corrections(warehouse, "status = 'planned'")
    stock = [c for c in planned if c.exception_type == "stock_mismatch"]
    one = next(c for c in planned if c.exception_type != "stock_mismatch")
    by_id = runner.invoke(
        cli,
        ["writeback", "approve", one.correction_id[:10], "--warehouse", str(warehouse)],
        env={"COLUMNS": "200"},
    )
    assert by_id.exit_code == 0, by_id.output
    by_type = runner.invoke(
        cli,
        [
            "writeback",
            "approve",
            "--all",
            "--type",
            "stock_mismatch",
            "--by",
            "lead",
            "--warehouse",
            str(warehouse),
        ],
    )
    assert by_type.exit_code == 0, by_type.output
    assert f"{len(stock)} approval(s) recorded" in by_type.output
    inbox = {a.correction_id: (a.approved_by, a.via) for a in pending_approvals(warehouse)}
    assert inbox[one.correction_id][1] == "cli"
    assert {inbox[c.correction_id] for c in stock} == {("lead", "cli")}

    routed = _corrections(warehouse, "status = 'routed'")[0]
    refused = runner.invoke(
        cli, ["writeback", "approve", routed.correction_id, "--warehouse", str(warehouse)]
    )
    assert refused.exit_code != 0
    assert "only planned or failed corrections can be approved" in refused.output
    unknown = runner.invoke(cli, ["writeback", "approve", "zzzzzz", "--warehouse", str(warehouse)])
    assert unknown.exit_code != 0 and "matches no correction" in unknown.output
