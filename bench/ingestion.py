"""Ingestion throughput: order pages in the sandbox's JSON format through dlt, and through DuckDB.

The pages are the template world's orders as the sandbox serves them (`{"orders": [...],
"total_count": n}`), tiled like the landed tables. dlt runs them through the Mirakl source's
own landing path (arrow tables per page, keys and column hints; normalize + load into DuckDB);
DuckDB's `read_json` lands the same pages as its own floor.
"""

from __future__ import annotations

import json
import math
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import dlt
import duckdb
from dlt.sources import DltResource

from ingestion.mirakl import after_load, landed_order_pages
from ingestion.quarantine import with_quarantine
from sandbox.world.layout import WorldLayout

OWN_MARK = "~{{K}}"
CATALOG_MARK = "~{{C}}"
ORDER_IDS = ("order_id", "commercial_id")
LINE_IDS = ("order_line_id", "order_id")
LINE_CATALOG_IDS = ("offer_id", "offer_sku", "product_sku", "product_shop_sku")
REFUND_IDS = ("id",)


@dataclass(frozen=True)
class Pages:
    folder: Path
    files: list[Path]
    orders: int
    order_lines: int


def write_order_pages(
    world: WorldLayout, folder: Path, tiles: int, catalog_tiles: int, first_tile: int = 0
) -> Pages:
    """One page file per tile, every identifier suffixed with the tile (catalogue ids: k mod C)."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    orders = world.read_mirakl("orders")
    marked = [_marked(order) for order in orders]
    text = json.dumps({"orders": marked, "total_count": len(marked)}, default=str)
    lines = sum(len(order.get("order_lines") or []) for order in orders)
    files = []
    for k in range(first_tile, first_tile + tiles):
        path = folder / f"orders-{k:06d}.json"
        path.write_text(
            text.replace("{{K}}", str(k)).replace("{{C}}", str(k % catalog_tiles)),
            encoding="utf-8",
        )
        files.append(path)
    return Pages(folder, files, len(orders) * tiles, lines * tiles)


def tiles_for(world: WorldLayout, order_lines: int) -> int:
    orders = world.read_mirakl("orders")
    per_tile = sum(len(order.get("order_lines") or []) for order in orders)
    return max(1, math.ceil(order_lines / per_tile))


def _marked(order: dict[str, Any]) -> dict[str, Any]:
    # Only keys the payload carries are marked: the source fills the lines' and refunds'
    # `order_id` from the order when absent, and must keep doing so here.
    order = _marked_keys(order, ORDER_IDS, OWN_MARK)
    lines = []
    for line in order.get("order_lines") or []:
        line = _marked_keys(_marked_keys(line, LINE_IDS, OWN_MARK), LINE_CATALOG_IDS, CATALOG_MARK)
        line["refunds"] = [
            _marked_keys(refund, REFUND_IDS, OWN_MARK) for refund in line.get("refunds") or []
        ]
        lines.append(line)
    order["order_lines"] = lines
    return order


def _marked_keys(record: dict[str, Any], keys: tuple[str, ...], mark: str) -> dict[str, Any]:
    record = dict(record)
    for key in keys:
        if key in record:
            record[key] = _mark(record[key], mark)
    return record


def _mark(value: Any, mark: str) -> Any:
    return None if value is None else f"{value}{mark}"


def _order_pages(files: list[Path]) -> Iterator[list[Any]]:
    # Decoded as the Mirakl client decodes a response: numbers with decimals as Decimal.
    for path in files:
        yield json.loads(path.read_bytes(), parse_float=Decimal)["orders"]


def decode_pages(files: list[Path]) -> int:
    """Decode every page as the Mirakl client does and count its order lines; nothing lands."""
    return sum(
        len(order.get("order_lines") or []) for page in _order_pages(files) for order in page
    )


def dlt_orders_resource(files: list[Path]) -> DltResource:
    """The Mirakl source's orders landing path (arrow tables, keys, hints) over page files."""

    @dlt.resource(name="orders", primary_key="order_id", write_disposition="merge")
    def orders() -> Iterator[Any]:
        yield from landed_order_pages(_order_pages(files), None, dlt.current.resource_state())

    return with_quarantine(orders(), {})


def load_with_dlt(pages_files: list[Path], warehouse: Path, pipelines_dir: Path) -> float:
    """Seconds dlt takes to extract, normalize and load the pages into `warehouse`, upkeep
    after the load (`after_load`) included."""
    pipeline = dlt.pipeline(
        pipeline_name="bench_orders",
        destination=dlt.destinations.duckdb(str(warehouse)),
        dataset_name="mirakl",
        pipelines_dir=str(pipelines_dir),
    )
    started = time.perf_counter()
    pipeline.run(dlt_orders_resource(pages_files))
    after_load(pipeline)
    return time.perf_counter() - started


def load_with_read_json(pages: Pages, warehouse: Path) -> float:
    """Seconds DuckDB's read_json takes to land the same pages as orders and order lines."""
    warehouse.unlink(missing_ok=True)
    started = time.perf_counter()
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            "create table pages as select unnest(orders) as o "
            # A page file is one JSON object; the reader's buffer is sized from this limit.
            f"from read_json('{pages.folder}/*.json', maximum_object_size = 67108864)"
        )
        con.execute("create table orders as select unnest(o) from pages")
        con.execute(
            "create table order_lines as select order_id, unnest(line) from "
            "(select o.order_id as order_id, unnest(o.order_lines) as line from pages)"
        )
        con.execute("drop table pages")
    return time.perf_counter() - started
