"""Shared fixtures: a small demo world at a fixed evaluation time, and throwaway warehouses."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import dlt
import pytest

from sandbox.world.generate import generate_world
from sandbox.world.layout import WorldLayout

AS_OF = dt.datetime(2026, 5, 1, 12, 0, tzinfo=dt.UTC)
SMALL_SCALE = 0.15


@pytest.fixture(scope="session")
def demo_world(tmp_path_factory: pytest.TempPathFactory) -> WorldLayout:
    """A small demo world (seed 7) shared by the tests of one worker; treat it as read-only."""
    root = tmp_path_factory.mktemp("demo-world")
    generate_world(root, seed=7, scale=SMALL_SCALE, as_of=AS_OF)
    return WorldLayout(root)


@pytest.fixture
def make_pipeline(tmp_path: Path) -> Callable[..., dlt.Pipeline]:
    """A dlt pipeline into a fresh DuckDB file under tmp_path."""

    def make(name: str, dataset: str, database: Path | None = None) -> dlt.Pipeline:
        return dlt.pipeline(
            pipeline_name=name,
            destination=dlt.destinations.duckdb(str(database or tmp_path / "warehouse.duckdb")),
            dataset_name=dataset,
            pipelines_dir=str(tmp_path / "pipelines"),
        )

    return make
