"""Inventory Planner in the drift models: planning stock drift, and stock ranked by oversell risk.

One world is landed twice through the real sources and built with the real dbt project: once
with Inventory Planner served and landed (var planning_system=inventory_planner), once without.

- With it, exactly the injected planning drifts are raised and their look-alikes stay quiet;
  stock mismatches are ranked by oversell risk with the planning tool's forecast velocity, so
  the SKU that sells fast on every channel comes first.
- Without it, no planning exception is raised, the ranking falls back to Mirakl's own sales,
  and the twelve base exception types are exactly what they are with it.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from ingestion.erp_files import erp_files_source
from ingestion.mirakl import mirakl_source
from ingestion.pipeline import run_sources
from recon.planning import planning_landed, planning_system
from recon.scoring import open_exceptions, score
from recon.transform import transform
from sandbox.inventory_planner import (
    LOOKALIKES_FILE,
    PLANNING_EXCEPTION_TYPE,
    InventoryPlannerSandbox,
    PlanningView,
    SandboxConfig,
    write_planning_truth,
)
from sandbox.mirakl import MiraklSandbox
from sandbox.mirakl import SandboxConfig as MiraklConfig
from sandbox.world.generate import generate_world
from sandbox.world.layout import WorldLayout
from sandbox.world.truth import EXCEPTION_TYPES, read_lookalikes
from tests.conftest import AS_OF, SMALL_SCALE

SEED = 7


class Built:
    def __init__(self, layout: WorldLayout, view: PlanningView, with_ip: Path, without: Path):
        self.layout = layout
        self.view = view
        self.with_ip = with_ip
        self.without = without


def land_and_build(layout: WorldLayout, warehouse: Path, view: PlanningView | None) -> None:
    """Land the world through the real sources (Inventory Planner too when given) and build."""
    from ingestion.inventory_planner import inventory_planner_source

    manifest = layout.read_manifest()
    mirakl = MiraklSandbox.from_world(layout.root, config=MiraklConfig(api_key="k"))
    with mirakl.serve() as mirakl_url:
        sources = [
            mirakl_source(base_url=mirakl_url, api_key="k", shop_id=manifest.shop_id),
            erp_files_source(path=str(layout.erp_dir)),
        ]
        if view is None:
            run_sources(warehouse, sources)
        else:
            planner = InventoryPlannerSandbox(view, SandboxConfig(api_key="ip", account_id="a"))
            with planner.serve() as planner_url:
                sources.append(
                    inventory_planner_source(base_url=planner_url, api_key="ip", account_id="a")
                )
                run_sources(warehouse, sources)
    planning = "inventory_planner" if view is not None else "none"
    transform(warehouse, as_of=manifest.as_of, extra_vars={"planning_system": planning})


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    root = tmp_path_factory.mktemp("planning")
    layout = WorldLayout(root / "world")
    generate_world(layout.root, seed=SEED, scale=SMALL_SCALE, as_of=AS_OF)
    view = InventoryPlannerSandbox.from_world(layout.root).view
    write_planning_truth(view, layout.root)
    with_ip, without = root / "with_ip.duckdb", root / "without.duckdb"
    land_and_build(layout, with_ip, view)
    land_and_build(layout, without, None)
    return Built(layout, view, with_ip, without)


def rows(warehouse: Path, sql: str, *params):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


def ranked_mismatches(warehouse: Path) -> list[tuple]:
    return rows(
        warehouse,
        "select shop_sku, sku, oversell_risk_rank, oversell_risk_score, oversell_units, "
        "sales_velocity_per_day, velocity_source from ops.stock_positions "
        "where oversell_risk_rank is not null order by oversell_risk_rank",
    )


# --- with Inventory Planner landed ----------------------------------------------------------


def test_exactly_the_injected_planning_drifts_are_raised(built: Built) -> None:
    planning = {(k, e) for k, e in open_exceptions(built.with_ip) if k == PLANNING_EXCEPTION_TYPE}
    assert planning == set(built.view.truth_rows())
    for item in score(built.with_ip, built.layout.truth_path):
        assert item.precision == item.recall == 1.0, (
            item.exception_type,
            item.false_positives,
            item.false_negatives,
        )
    (planning_score,) = [
        s
        for s in score(built.with_ip, built.layout.truth_path)
        if s.exception_type == "planning_stock_drift"
    ]
    assert planning_score.expected == len(built.view.drifts) >= 3


def test_planning_lookalikes_stay_quiet(built: Built) -> None:
    raised = open_exceptions(built.with_ip)
    lookalikes = read_lookalikes(built.layout.root / LOOKALIKES_FILE)
    assert {description for description, _, _ in lookalikes} >= {
        "case-pack SKU counted in sellable units",
        "superseded ERP snapshot the planning tool moved past",
        "stock moved between warehouses, total unchanged",
        "removed duplicate variant with stale stock",
        "planning-only bundle with no ERP item",
        "ERP item the planning tool does not track",
    }
    for description, kind, entity in lookalikes:
        assert (kind, entity) not in raised, f"look-alike flagged: {description} ({entity})"


def test_a_planning_drift_carries_both_counts_in_sellable_units(built: Built) -> None:
    details = {
        entity: json.loads(text)
        for entity, text, owner in rows(
            built.with_ip,
            "select entity_id, details, owner from exceptions where exception_type = ?",
            PLANNING_EXCEPTION_TYPE,
        )
        if owner == "ops"
    }
    assert set(details) == set(built.view.drifts)
    for sku, evidence in details.items():
        variant = built.view.variant_for(sku)
        assert evidence["planning_in_stock_units"] == variant["in_stock"]
        assert evidence["erp_available_units"] == (
            (evidence["erp_on_hand_stock_units"] - evidence["erp_committed_stock_units"])
            * evidence["units_per_stock_unit"]
        )
        assert evidence["units_difference"] == (
            variant["in_stock"] - evidence["erp_available_units"]
        )


def test_stock_mismatches_rank_the_fast_seller_first_with_the_planning_forecast(
    built: Built,
) -> None:
    ranked = ranked_mismatches(built.with_ip)
    mismatched = {e for k, e in open_exceptions(built.with_ip) if k == "stock_mismatch"}
    assert {shop_sku for shop_sku, *_ in ranked} == mismatched
    assert [rank for _, _, rank, *_ in ranked] == list(range(1, len(ranked) + 1))
    _, sku, _, score_, units, velocity, source = ranked[0]
    assert sku == built.view.bestseller
    assert source == "inventory_planner"
    assert velocity == built.view.variant_for(sku)["forecast_description"]["sales_velocity1"]
    assert score_ == units * velocity
    scores = [row[3] for row in ranked]
    assert scores == sorted(scores, reverse=True)
    # The exception carries the same rank, so the queue can be read in fix order.
    in_details = dict(
        rows(
            built.with_ip,
            "select entity_id, cast(json_extract(details, '$.oversell_risk_rank') as integer) "
            "from exceptions where exception_type = 'stock_mismatch'",
        )
    )
    assert in_details == {shop_sku: rank for shop_sku, _, rank, *_ in ranked}


# --- without Inventory Planner --------------------------------------------------------------


def test_without_the_planning_tool_nothing_of_it_is_raised_and_ranking_uses_mirakl_sales(
    built: Built,
) -> None:
    raised = open_exceptions(built.without)
    assert not {k for k, _ in raised} - set(EXCEPTION_TYPES)
    assert rows(built.without, "select count(*) from intermediate.int_planning__variants") == [(0,)]
    assert not planning_landed(built.without)
    sources = rows(built.without, "select distinct velocity_source from ops.stock_positions")
    assert sources == [("mirakl_orders",)]
    ranked = ranked_mismatches(built.without)
    # Mirakl alone sees the bestseller as a slow seller: it is not the first to fix.
    assert ranked[0][1] != built.view.bestseller
    for item in score(built.without, built.layout.truth_path):
        assert item.precision == item.recall == 1.0, item.exception_type


def test_the_twelve_base_types_are_the_same_with_or_without_the_planning_tool(
    built: Built,
) -> None:
    def base(warehouse: Path) -> set[tuple]:
        return {
            row
            for row in rows(
                warehouse,
                "select exception_type, entity_id, owner, severity, amount_at_risk "
                "from exceptions where status = 'open'",
            )
            if row[0] in EXCEPTION_TYPES
        }

    assert base(built.with_ip) == base(built.without)
    assert {row[0] for row in base(built.without)} == set(EXCEPTION_TYPES)


def test_recon_sets_the_planning_var_only_when_configured_and_landed(
    built: Built, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("RECON__EXTRA_SOURCES", raising=False)
    assert planning_system(built.with_ip) == "none"
    monkeypatch.setenv("RECON__EXTRA_SOURCES", "inventory_planner")
    assert planning_system(built.with_ip) == "inventory_planner"
    assert planning_system(built.without) == "none"
    assert planning_system(built.without.with_name("never-built.duckdb")) == "none"
