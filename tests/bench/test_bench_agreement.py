"""The benchmark's contenders answer the same question as the drift models.

A small template world (the tests' scale) is tiled twice into fresh landed tables and built
with dbt; the hand-written floor must then find exactly the drifts the `exceptions` mart holds
for the types it computes, or its timings mean nothing. (The pandas baseline is checked by every
`make bench` run; at this tiny tiling it flags one payout cycle the mart does not.)
"""

from __future__ import annotations

from collections import Counter

import duckdb
import pytest

from bench.floor import FLOOR_TYPES, floor_drifts, mart_drifts
from bench.landed_world import BenchWorld, Tiling, tile_warehouse
from bench.template import Template, landed_template
from recon.transform import transform
from tests.conftest import SMALL_SCALE

TILING = Tiling(catalog=2, orders=2, money=2)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Template:
    return landed_template(tmp_path_factory.mktemp("bench-template"), scale=SMALL_SCALE)


@pytest.fixture(scope="module")
def built_world(template: Template, tmp_path_factory: pytest.TempPathFactory) -> BenchWorld:
    world = tile_warehouse(
        template.warehouse, tmp_path_factory.mktemp("bench-world") / "bench.duckdb", TILING
    )
    transform(world.warehouse, as_of=template.as_of)
    return world


def test_tiling_multiplies_the_landed_rows_with_unique_ids(
    template: Template, built_world: BenchWorld
) -> None:
    with duckdb.connect(str(template.warehouse), read_only=True) as con:
        lines = con.execute("select count(*) from mirakl.orders__order_lines").fetchone()[0]
    assert built_world.rows["mirakl.orders__order_lines"] == TILING.orders * lines
    with duckdb.connect(str(built_world.warehouse), read_only=True) as con:
        orders, distinct = con.execute(
            "select count(*), count(distinct order_id) from mirakl.orders"
        ).fetchone()
    assert orders == distinct


def test_the_floor_finds_exactly_the_drifts_of_the_exceptions_mart(
    template: Template, built_world: BenchWorld
) -> None:
    expected = mart_drifts(built_world.warehouse, FLOOR_TYPES)
    # Every type the floor computes has drift in the tiled world, so agreement means something.
    per_type = Counter(kind for kind, _ in expected)
    assert set(per_type) == set(FLOOR_TYPES)
    assert floor_drifts(built_world.warehouse, template.as_of) == expected


def test_every_tile_holds_the_same_drifts(built_world: BenchWorld) -> None:
    # Tiles are independent copies: each drift of the template appears once per tile.
    expected = mart_drifts(built_world.warehouse, FLOOR_TYPES)
    tiles = Counter(entity.rsplit("~", 1)[-1] for _, entity in expected)
    assert set(tiles) == {"0", "1"}
    assert tiles["0"] == tiles["1"]
