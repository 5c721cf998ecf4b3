"""The incremental step: 1 % of the orders change in Mirakl and come back through dlt's merge.

Every hundredth order of the template changes in every order tile, as the next OR11 poll would
return it: its state moves one step on (waiting acceptance → shipping → shipped, or stays) and
its `last_updated_date` becomes just before the evaluation instant. The changed pages are
merged by dlt into the benchmark warehouse's `mirakl` dataset with the Mirakl source's keys and
hints, replacing those orders and their nested lines and refunds in place.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

import duckdb

from bench.ingestion import _marked
from recon.timestamps import format_utc
from sandbox.world.layout import WorldLayout

EVERY = 100  # one order in a hundred changes
NEXT_STATE = {"WAITING_ACCEPTANCE": "SHIPPING", "SHIPPING": "SHIPPED"}


@dataclass(frozen=True)
class ChangedPages:
    files: list[Path]
    orders: int
    order_lines: int
    updated_at: dt.datetime


def write_changed_pages(
    world: WorldLayout, folder: Path, tiles: int, catalog_tiles: int, as_of: dt.datetime
) -> ChangedPages:
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("changed-*.json"):
        stale.unlink()
    # An odd instant, so that no order of the template already carries it.
    updated_at = (as_of - dt.timedelta(minutes=10, seconds=7)).replace(microsecond=0)
    changed = []
    for order in world.read_mirakl("orders")[::EVERY]:
        order = dict(order)
        order["order_state"] = NEXT_STATE.get(order["order_state"], order["order_state"])
        order["last_updated_date"] = format_utc(updated_at)
        changed.append(_marked(order))
    text = json.dumps({"orders": changed, "total_count": len(changed)}, default=str)
    lines = sum(len(order.get("order_lines") or []) for order in changed)
    files = []
    for k in range(tiles):
        path = folder / f"changed-{k:06d}.json"
        path.write_text(
            text.replace("{{K}}", str(k)).replace("{{C}}", str(k % catalog_tiles)),
            encoding="utf-8",
        )
        files.append(path)
    return ChangedPages(files, len(changed) * tiles, lines * tiles, updated_at)


def landed_changes(warehouse: Path, updated_at: dt.datetime) -> dict[str, int]:
    """How many orders carry the change, and the order and line totals (to show no duplicates)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:

        def one(sql: str, *params) -> int:
            return con.execute(sql, list(params)).fetchone()[0]

        return {
            "changed_orders": one(
                "select count(*) from mirakl.orders where last_updated_date = ?", updated_at
            ),
            "orders": one("select count(*) from mirakl.orders"),
            "distinct_orders": one("select count(distinct order_id) from mirakl.orders"),
            "order_lines": one("select count(*) from mirakl.orders__order_lines"),
        }
