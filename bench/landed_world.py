"""Benchmark worlds written straight into the landed tables, bypassing HTTP.

A demo world is generated, served and landed once through the real path (sandbox → dlt), at a
fixed seed: the *template*. A benchmark world of any size is then the template tiled N times
inside DuckDB, every identifier suffixed with its tile number so that tiles never collide and
every relationship (order → lines → refunds, offer ↔ item, cycle ↔ payout ↔ deposit ↔ ledger)
stays intact within a tile. The catalogue, the orders and the money trail are tiled separately
so that each reaches the size asked for; order tile k sells the SKUs of catalogue tile
k mod catalogue tiles. The drift the template holds is tiled with it, at the same rates.
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass
from pathlib import Path

import duckdb

from bench.sizes import Size

# Identifier columns per landed table, by which tiling they follow: "catalog" columns take the
# catalogue tile's suffix, "own" columns the tile of the table itself.
CATALOG = "catalog"
OWN = "own"
TABLES: dict[str, tuple[str, dict[str, str]]] = {
    # table: (tiling, {column: suffix kind})
    "mirakl.offers": (CATALOG, {"offer_id": OWN, "shop_sku": OWN, "product_sku": OWN}),
    "mirakl.offers__all_prices": (CATALOG, {}),
    "mirakl.offers__inactivity_reasons": (CATALOG, {}),
    "mirakl.offers__product_references": (CATALOG, {}),
    "erp_files.items": (CATALOG, {"sku": OWN, "mirakl_shop_sku": OWN}),
    "erp_files.stock_levels": (CATALOG, {"sku": OWN}),
    "mirakl.orders": (
        "orders",
        {"order_id": OWN, "commercial_id": OWN, "transaction_number": OWN},
    ),
    "mirakl.orders__order_lines": (
        "orders",
        {
            "order_line_id": OWN,
            "order_id": OWN,
            "offer_id": CATALOG,
            "offer_sku": CATALOG,
            "product_sku": CATALOG,
            "product_shop_sku": CATALOG,
        },
    ),
    "mirakl.orders__order_lines__commission_taxes": ("orders", {}),
    "mirakl.orders__order_lines__refunds": (
        "orders",
        {"id": OWN, "order_id": OWN, "order_line_id": OWN, "order_refund_id": OWN},
    ),
    "mirakl.orders__order_lines__refunds__commission_taxes": ("orders", {}),
    "erp_files.sales_orders": ("orders", {"erp_order_id": OWN, "marketplace_order_id": OWN}),
    "erp_files.sales_order_lines": ("orders", {"erp_order_id": OWN, "sku": CATALOG}),
    "erp_files.fulfilments": (
        "orders",
        {
            "fulfilment_id": OWN,
            "erp_order_id": OWN,
            "marketplace_order_id": OWN,
            "tracking_number": OWN,
        },
    ),
    "erp_files.refunds": (
        "orders",
        {"refund_id": OWN, "erp_order_id": OWN, "marketplace_order_id": OWN},
    ),
    "mirakl.transaction_logs": (
        "money",
        {
            "id": OWN,
            "accounting_document_number": OWN,
            "accounting_document_id": OWN,
            "seller_billing_cycle_id": OWN,
            "entities__order__id": OWN,
            "entities__order__commercial_id": OWN,
            "entities__order_line__id": OWN,
            "entities__refund__id": OWN,
            "entities__shipment__id": OWN,
        },
    ),
    "mirakl.billing_cycles": (
        "money",
        {"id": OWN, "payment_voucher_number": OWN, "pay_out__reference": OWN},
    ),
    "mirakl.invoices": (
        "money",
        {"id": OWN, "invoice_id": OWN, "seller_billing_cycle_id": OWN, "payment__reference": OWN},
    ),
    "mirakl.invoices__total_taxes": ("money", {}),
    "erp_files.ledger_entries": (
        "money",
        {"entry_id": OWN, "marketplace_order_id": OWN, "payout_reference": OWN},
    ),
    "erp_files.bank_deposits": ("money", {"deposit_id": OWN, "reference": OWN}),
    # Reference data is not tiled.
    "mirakl.carriers": ("once", {}),
    "mirakl.reasons": ("once", {}),
    "erp_files.quarantine": ("once", {}),
    "mirakl.quarantine": ("once", {}),
}
DLT_KEYS = ("_dlt_id", "_dlt_parent_id", "_dlt_root_id")


@dataclass(frozen=True)
class Tiling:
    catalog: int
    orders: int
    money: int

    def of(self, kind: str) -> int:
        return {"catalog": self.catalog, "orders": self.orders, "money": self.money}.get(kind, 1)


@dataclass(frozen=True)
class BenchWorld:
    warehouse: Path
    tiling: Tiling
    rows: dict[str, int]


def tiling_for(template: Path, size: Size) -> Tiling:
    with duckdb.connect(str(template), read_only=True) as con:

        def count(table: str) -> int:
            return con.execute(f"select count(*) from {table}").fetchone()[0]

        items = count("erp_files.items")
        lines = count("mirakl.orders__order_lines")
        transactions = count("mirakl.transaction_logs")
    # The money trail follows the orders it settles, so it never outgrows them.
    orders = math.ceil(size.order_lines / lines)
    return Tiling(
        catalog=math.ceil(size.skus / items),
        orders=orders,
        money=min(orders, math.ceil(size.transaction_lines / transactions)),
    )


def tile_warehouse(template: Path, target: Path, tiling: Tiling) -> BenchWorld:
    """Write the tiled world into a fresh DuckDB file `target` (replaced if it exists)."""
    target.unlink(missing_ok=True)
    target.with_name(target.name + ".wal").unlink(missing_ok=True)
    rows: dict[str, int] = {}
    with duckdb.connect(str(target)) as con:
        alias = "template_" + secrets.token_hex(4)
        con.execute(f"attach '{template}' as {alias} (read_only)")
        for schema in ("mirakl", "erp_files"):
            con.execute(f"create schema if not exists {schema}")
            for (table,) in con.execute(
                "select table_name from information_schema.tables where table_catalog = ? "
                "and table_schema = ? and table_name like '\\_dlt%' escape '\\'",
                [alias, schema],
            ).fetchall():
                con.execute(
                    f"create table {schema}.{table} as select * from {alias}.{schema}.{table}"
                )
        for table, (kind, id_columns) in TABLES.items():
            schema, name = table.split(".")
            columns = [
                column
                for (column,) in con.execute(
                    "select column_name from information_schema.columns "
                    "where table_catalog = ? and table_schema = ? and table_name = ? "
                    "order by ordinal_position",
                    [alias, schema, name],
                ).fetchall()
            ]
            if not columns:
                continue
            tiles = tiling.of(kind)
            select = ", ".join(
                _tiled(column, id_columns, tiles, tiling.catalog) for column in columns
            )
            con.execute(
                f"create table {table} as select {select} "
                f"from {alias}.{table}, range({tiles}) as tile(k)"
            )
            rows[table] = con.execute(f"select count(*) from {table}").fetchone()[0]
        con.execute(f"detach {alias}")
        con.execute("checkpoint")
    return BenchWorld(target, tiling, rows)


def _tiled(column: str, id_columns: dict[str, str], tiles: int, catalog_tiles: int) -> str:
    quoted = f'"{column}"'
    if tiles == 1 and column not in id_columns:
        return quoted
    if column in DLT_KEYS or id_columns.get(column) == OWN:
        return f"{quoted} || '~' || k as {quoted}"
    if id_columns.get(column) == CATALOG:
        return f"{quoted} || '~' || (k % {catalog_tiles}) as {quoted}"
    return quoted
