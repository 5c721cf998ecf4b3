"""Order history backfilled through Mirakl's asynchronous export instead of OR11 pages.

- with `order_backfill="async_export"` the first run makes one OR13 export, polls OR14 until it
  completes and downloads each chunk, without paging OR11;
- what lands is exactly what paging OR11 lands;
- later runs page OR11 from the last update seen, so changes keep arriving incrementally.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from sandbox.mirakl import MiraklSandbox
from sandbox.world.layout import WorldLayout
from tests.ingestion.test_mirakl_source import (
    ORDERS,
    Serve,
    make_warehouse,
    requests_to,
    sandbox_config,
)
from tests.support.mirakl_worlds import build_mirakl_world

EXPORT = "/api/orders/async-export"
FAST_EXPORT = {"order_backfill": "async_export", "export_poll_interval": 0.01}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> WorldLayout:
    """250 orders: three OR11 pages, several export chunks of 100."""
    return build_mirakl_world(tmp_path_factory.mktemp("world"), orders=250, transaction_lines=50)


@pytest.fixture(scope="module")
def small_world(tmp_path_factory: pytest.TempPathFactory) -> WorldLayout:
    return build_mirakl_world(tmp_path_factory.mktemp("small"), orders=40, transaction_lines=20)


@pytest.fixture
def serve() -> Iterator[Serve]:
    with ExitStack() as stack:
        yield lambda sandbox: stack.enter_context(sandbox.serve())


def test_the_first_run_backfills_through_one_export_and_lands_what_paging_lands(
    world: WorldLayout, tmp_path: Path, serve: Serve
) -> None:
    config = sandbox_config(export_polls_until_complete=3, export_items_per_chunk_minimum=1)
    exported = MiraklSandbox.from_world(world.root, config=config)
    paged = MiraklSandbox.from_world(world.root, config=sandbox_config())
    by_export = make_warehouse(tmp_path, "by_export")
    by_paging = make_warehouse(tmp_path, "by_paging")

    by_export.load(serve(exported), **FAST_EXPORT, export_items_per_chunk=100)
    by_paging.load(serve(paged))

    paths = [record.path for record in exported.request_log]
    assert paths.count(EXPORT) == 1
    assert sum(path.startswith(EXPORT + "/status/") for path in paths) == 4
    assert sum(path.startswith(EXPORT + "/files/") for path in paths) >= 1
    assert ORDERS not in paths
    for table in ("orders", "orders__order_lines", "orders__order_lines__refunds"):
        assert by_export.content(table) == by_paging.content(table), table
    assert by_export.count("orders") == len(world.read_mirakl("orders"))


def test_later_runs_page_or11_from_the_last_update_seen(
    small_world: WorldLayout, tmp_path: Path, serve: Serve
) -> None:
    sandbox = MiraklSandbox.from_world(small_world.root, config=sandbox_config())
    warehouse = make_warehouse(tmp_path, "warehouse")
    base_url = serve(sandbox)
    warehouse.load(base_url, **FAST_EXPORT)
    order_id = next(iter(sandbox.state.orders))
    sandbox.touch_order(order_id, has_incident=True)
    sandbox.clear_request_log()

    warehouse.load(base_url, **FAST_EXPORT)

    assert not requests_to(sandbox, EXPORT)
    pulls = requests_to(sandbox, ORDERS)
    assert pulls and all(record.query.get("start_update_date") for record in pulls)
    assert warehouse.rows(
        "select has_incident from mirakl.orders where order_id = ?", order_id
    ) == [(True,)]
    assert warehouse.count("orders") == len(small_world.read_mirakl("orders"))
