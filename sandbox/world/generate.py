"""Generate a demo world: deterministic for a seed, scale and as_of.

``generate_world`` writes the Mirakl collections the sandbox serves, the ERP file exports, the
ground truth of every injected drift, and the look-alike cases that must stay quiet.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
from pathlib import Path

from recon.settings import PROJECT_ROOT
from sandbox.jsonio import parse_timestamp
from sandbox.world.catalog import build_catalog
from sandbox.world.erp_render import erp_rows, write_erp_files
from sandbox.world.layout import WorldLayout, WorldManifest
from sandbox.world.mirakl_render import render_carriers, render_offers, render_order, render_reasons
from sandbox.world.orders import build_orders
from sandbox.world.schedule import billing_cycles, payout_times
from sandbox.world.settlement import build_settlement, render_lines
from sandbox.world.truth import Truth

HISTORY_DAYS = 56
BASE_ITEMS = 400
BASE_ORDERS = 1200
SHOP_ID = 2001
SHOP_NAME = "Northwind Outdoor"
CURRENCY = "EUR"
STALE_STOCK_AGE = dt.timedelta(hours=36)
FRESH_STOCK_AGE = dt.timedelta(minutes=30)
CARRIER_MAP = PROJECT_ROOT / "dbt_project" / "seeds" / "carrier_map.csv"
FRESHNESS_THRESHOLDS = PROJECT_ROOT / "dbt_project" / "seeds" / "freshness_thresholds.csv"
# Which timestamp tells each tracked table's freshness, in the rendered world.
FRESHNESS_FIELDS = {
    "mirakl.orders": ("mirakl", "orders", "last_updated_date"),
    "mirakl.transaction_logs": ("mirakl", "transaction_logs", "last_updated"),
    "erp.stock_levels": ("erp", "stock_levels", "as_of"),
    "erp.sales_orders": ("erp", "sales_orders", "created_at"),
    "erp.fulfilments": ("erp", "fulfilments", "shipped_at"),
    "erp.ledger_entries": ("erp", "ledger_entries", "posted_at"),
    "erp.bank_deposits": ("erp", "bank_deposits", "received_at"),
}


def default_as_of() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)


def read_carrier_map(path: Path = CARRIER_MAP) -> dict[str, str]:
    """ERP carrier name (trimmed, lower case) -> Mirakl carrier code, as dbt maps it."""
    with path.open(newline="", encoding="utf-8") as handle:
        return {
            row["erp_carrier"].strip().lower(): row["mirakl_carrier_code"].strip()
            for row in csv.DictReader(handle)
        }


def record_stale_sources(
    tables: dict[str, dict[str, list[dict]]], as_of: dt.datetime, truth: Truth
) -> None:
    """A tracked table is stale when its newest record is older than its seed threshold.

    Staleness follows from the rest of the world (a stale stock extract is injected; a missed
    deposit can leave the bank feed quiet for weeks), so it is evaluated, not declared.
    """
    with FRESHNESS_THRESHOLDS.open(newline="", encoding="utf-8") as handle:
        thresholds = {
            row["source_table"]: int(row["threshold_hours"]) for row in csv.DictReader(handle)
        }
    for source_table, (system, table, field) in FRESHNESS_FIELDS.items():
        moments = [
            value if isinstance(value, dt.datetime) else parse_timestamp(str(value))
            for value in (row.get(field) for row in tables[system][table])
            if value is not None
        ]
        newest = max((moment for moment in moments if moment <= as_of), default=None)
        if newest is None or as_of - newest > dt.timedelta(hours=thresholds[source_table]):
            truth.add("stale_source", source_table)


def generate_world(
    root: Path,
    *,
    seed: int = 7,
    scale: float = 1.0,
    as_of: dt.datetime | None = None,
) -> WorldManifest:
    if scale <= 0:
        raise ValueError("scale must be positive")
    as_of = (as_of or default_as_of()).astimezone(dt.UTC)
    layout = WorldLayout(Path(root))
    truth = Truth()
    history_start = as_of - dt.timedelta(days=HISTORY_DAYS)

    catalog = build_catalog(
        random.Random(f"{seed}:catalog"),
        item_count=max(40, round(BASE_ITEMS * scale)),
        as_of=as_of,
        stock_extract_at=as_of - STALE_STOCK_AGE,
        truth=truth,
    )

    cycles = billing_cycles(history_start, as_of, seed)
    stories = build_orders(
        random.Random(f"{seed}:orders"),
        catalog=catalog,
        order_count=max(120, round(BASE_ORDERS * scale)),
        history_days=HISTORY_DAYS,
        as_of=as_of,
        carrier_codes=read_carrier_map(),
        payout_times=payout_times(cycles, as_of),
        truth=truth,
    )
    settlement = build_settlement(
        random.Random(f"{seed}:settlement"),
        stories=stories,
        cycles=cycles,
        history_start=history_start,
        as_of=as_of,
        shop_id=SHOP_ID,
        shop_name=SHOP_NAME,
        currency=CURRENCY,
        truth=truth,
    )

    layout.root.mkdir(parents=True, exist_ok=True)
    mirakl = {
        "orders": [render_order(story, as_of, CURRENCY) for story in stories],
        "offers": render_offers(catalog.offers, as_of, CURRENCY),
        "carriers": render_carriers(),
        "reasons": render_reasons(),
        "transaction_logs": render_lines(settlement.lines, CURRENCY),
        "billing_cycles": settlement.sbc11,
        "invoices": settlement.invoices,
    }
    for collection, items in mirakl.items():
        layout.write_mirakl(collection, items)
    erp = erp_rows(catalog, stories, settlement.ledger, settlement.deposits, as_of, CURRENCY)
    write_erp_files(layout.erp_dir, erp)
    record_stale_sources({"mirakl": mirakl, "erp": erp}, as_of, truth)
    truth.write(layout.truth_path)
    truth.write_lookalikes(layout.root / "lookalikes.csv")
    (layout.root / "injections.json").write_text(
        json.dumps(settlement.notes, indent=1, sort_keys=True), encoding="utf-8"
    )

    manifest = WorldManifest(
        seed=seed,
        scale=scale,
        as_of=as_of,
        shop_id=SHOP_ID,
        shop_name=SHOP_NAME,
        currency=CURRENCY,
    )
    layout.write_manifest(manifest)
    return manifest
