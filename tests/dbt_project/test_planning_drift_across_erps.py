"""Planning stock drift is the same whichever ERP feeds the canonical layer.

One world is served through the ERP file exports, a BigCommerce store and a Magento store,
each time with Inventory Planner landed beside it, as `recon demo --erp <system>` serves it,
and built as a run configured with only `erp_system` builds it.
The three ERPs state open orders differently (files: physical on-hand with committed beside
it; BigCommerce: on-hand already net of placed orders, backorders as committed; Magento:
physical source quantities, reservations as committed), so the rule compares the stock free
to sell, which all three give alike. Each warehouse must score exactly against the world's
ground truth: the twelve base types and planning_stock_drift, precision and recall 1.0.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from ingestion.mirakl import mirakl_source
from ingestion.pipeline import run_sources
from recon.scoring import score
from recon.settings import ERP_SYSTEM_ENV, FINANCE_SYSTEM_ENV, configured_finance_system
from recon.transform import transform
from sandbox.erp_demo import serving_erp
from sandbox.inventory_planner import LOOKALIKES_FILE, PLANNING_EXCEPTION_TYPE, planning_view
from sandbox.inventory_planner.demo import serving_planning
from sandbox.mirakl import MiraklSandbox, SandboxConfig
from sandbox.world.generate import generate_world
from sandbox.world.layout import WorldLayout
from sandbox.world.truth import EXCEPTION_TYPES, read_lookalikes
from tests.conftest import AS_OF, SMALL_SCALE

ERPS = ("erp_files", "bigcommerce", "magento")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> WorldLayout:
    layout = WorldLayout(tmp_path_factory.mktemp("planning-across-erps") / "world")
    generate_world(layout.root, seed=7, scale=SMALL_SCALE, as_of=AS_OF)
    return layout


@pytest.fixture(scope="module", params=ERPS)
def warehouse(
    request: pytest.FixtureRequest, world: WorldLayout, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """The world landed through Mirakl, the ERP and Inventory Planner, then built."""
    erp_system = request.param
    manifest = world.read_manifest()
    # Not named after the ERP: a DuckDB file name becomes a catalog that would shadow its schema.
    target = tmp_path_factory.mktemp(f"through-{erp_system}") / "recon.duckdb"
    mirakl = MiraklSandbox.from_world(world.root, config=SandboxConfig(api_key="k"))
    with (
        mirakl.serve() as base_url,
        serving_erp(erp_system, world.root) as erp,
        serving_planning(world.root) as planning_sources,
    ):
        run_sources(
            target,
            [
                mirakl_source(base_url=base_url, api_key="k", shop_id=manifest.shop_id),
                *erp.sources,
                *planning_sources,
            ],
        )
    # Built as a configured run builds it: only the ERP is set, the finance side defaults
    # (to the file exports for BigCommerce and Magento, which keep no general ledger).
    with pytest.MonkeyPatch.context() as env:
        env.setenv(ERP_SYSTEM_ENV, erp_system)
        env.delenv(FINANCE_SYSTEM_ENV, raising=False)
        assert configured_finance_system() == erp.finance_system
        transform(target, as_of=manifest.as_of, extra_vars={"planning_system": "inventory_planner"})
    return target


def rows(warehouse: Path, sql: str, *parameters) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, list(parameters)).fetchall()


def test_every_type_scores_exactly_against_the_ground_truth(
    warehouse: Path, world: WorldLayout
) -> None:
    scores = {s.exception_type: s for s in score(warehouse, world.truth_path)}
    assert set(scores) == {*EXCEPTION_TYPES, PLANNING_EXCEPTION_TYPE}
    assert scores[PLANNING_EXCEPTION_TYPE].expected >= 3
    missed = {
        kind: (s.expected, s.raised, s.precision, s.recall)
        for kind, s in scores.items()
        if (s.precision, s.recall) != (1.0, 1.0)
    }
    assert not missed, missed


def test_planning_drift_is_exactly_the_injected_drifts_and_no_look_alike(
    warehouse: Path, world: WorldLayout
) -> None:
    raised = {
        entity
        for (entity,) in rows(
            warehouse,
            "select entity_id from exceptions where exception_type = ? and status = 'open'",
            PLANNING_EXCEPTION_TYPE,
        )
    }
    assert raised == set(planning_view(world.root).drifts)
    lookalikes = read_lookalikes(world.root / LOOKALIKES_FILE)
    assert lookalikes
    for description, _, entity in lookalikes:
        assert entity not in raised, f"look-alike flagged: {description} ({entity})"


def test_the_erp_side_of_a_drift_is_its_stock_free_to_sell(warehouse: Path) -> None:
    # Whatever the ERP netted into on-hand, on-hand − committed is what the tool is held to.
    details = [
        json.loads(text)
        for (text,) in rows(
            warehouse,
            "select details from exceptions where exception_type = ?",
            PLANNING_EXCEPTION_TYPE,
        )
    ]
    assert details
    for evidence in details:
        available = (
            evidence["erp_on_hand_stock_units"] - evidence["erp_committed_stock_units"]
        ) * evidence["units_per_stock_unit"]
        assert evidence["erp_available_units"] == available
        assert evidence["units_difference"] == evidence["planning_in_stock_units"] - available
