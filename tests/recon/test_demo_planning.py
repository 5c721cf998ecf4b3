"""`recon demo` lands Inventory Planner beside Mirakl and the ERP, and scores its drift."""

from __future__ import annotations

import duckdb
from click.testing import CliRunner

from ingestion.pipeline import table_counts
from recon.cli import cli
from recon.scoring import score
from sandbox.inventory_planner import TRUTH_FILE
from sandbox.world.truth import read_truth
from tests.conftest import SMALL_SCALE


def test_the_demo_serves_lands_and_scores_the_planning_tool_by_default(tmp_path):
    warehouse, world = tmp_path / "demo.duckdb", tmp_path / "world"
    result = CliRunner().invoke(
        cli,
        ["demo", "--warehouse", str(warehouse), "--world", str(world), "--scale", str(SMALL_SCALE)],
    )
    assert result.exit_code == 0, result.output
    assert "planning side through Inventory Planner" in result.output
    counts = table_counts(warehouse, "inventory_planner")
    assert counts["variants"] > 40 and counts["variants__warehouse"] > 40
    assert counts["purchase_orders"] >= 1

    planning_truth = read_truth(world / TRUTH_FILE)
    assert planning_truth
    (planning,) = [
        s
        for s in score(warehouse, world / "truth.csv")
        if s.exception_type == "planning_stock_drift"
    ]
    assert planning.expected == len(planning_truth) == planning.true_positives == planning.raised
    with duckdb.connect(str(warehouse), read_only=True) as con:
        sources = {
            s for (s,) in con.execute("select velocity_source from ops.stock_positions").fetchall()
        }
    assert "inventory_planner" in sources
