"""Where a demo world's files live, and what its manifest says.

A world directory holds:

- ``world.json``: the manifest (seed, scale, the evaluation time ``as_of``, the shop).
- ``truth.csv``: the ground truth, ``exception_type,entity_id``, one line per injected drift.
- ``mirakl/<collection>.json``: a JSON array per Mirakl collection, each item shaped exactly as
  the Mirakl API returns it (OR11 order, OF21 offer, SH21 carrier, TL02 transaction line,
  SBC11 billing cycle, IV01 invoice, RE01 reason). The Mirakl sandbox serves these.
- ``erp/<file>.csv``: the ERP file exports, in the public ERP file contract (README).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sandbox import jsonio

MIRAKL_COLLECTIONS: tuple[str, ...] = (
    "orders",
    "offers",
    "carriers",
    "transaction_logs",
    "billing_cycles",
    "invoices",
    "reasons",
)

ERP_FILES: tuple[str, ...] = (
    "items",
    "stock_levels",
    "sales_orders",
    "sales_order_lines",
    "fulfilments",
    "refunds",
    "ledger_entries",
    "bank_deposits",
)


@dataclass(frozen=True)
class WorldManifest:
    seed: int
    scale: float
    as_of: dt.datetime
    shop_id: int
    shop_name: str
    currency: str

    def to_json(self) -> dict[str, Any]:
        payload = asdict(self)
        payload["as_of"] = jsonio.format_timestamp(self.as_of)
        return payload

    @classmethod
    def from_json(cls, payload: dict[str, Any]) -> WorldManifest:
        return cls(
            seed=int(payload["seed"]),
            scale=float(payload["scale"]),
            as_of=jsonio.parse_timestamp(payload["as_of"]),
            shop_id=int(payload["shop_id"]),
            shop_name=str(payload["shop_name"]),
            currency=str(payload["currency"]),
        )


@dataclass(frozen=True)
class WorldLayout:
    root: Path

    @property
    def manifest_path(self) -> Path:
        return self.root / "world.json"

    @property
    def truth_path(self) -> Path:
        return self.root / "truth.csv"

    @property
    def mirakl_dir(self) -> Path:
        return self.root / "mirakl"

    @property
    def erp_dir(self) -> Path:
        return self.root / "erp"

    def mirakl_path(self, collection: str) -> Path:
        if collection not in MIRAKL_COLLECTIONS:
            raise KeyError(f"unknown Mirakl collection {collection!r}")
        return self.mirakl_dir / f"{collection}.json"

    def erp_path(self, name: str) -> Path:
        return self.erp_dir / f"{name}.csv"

    def read_manifest(self) -> WorldManifest:
        if not self.manifest_path.exists():
            raise FileNotFoundError(
                f"{self.root} is not a demo world (no world.json); "
                "create one with `recon sandbox generate`"
            )
        return WorldManifest.from_json(jsonio.read(self.manifest_path))

    def write_manifest(self, manifest: WorldManifest) -> None:
        jsonio.write(self.manifest_path, manifest.to_json())

    def read_mirakl(self, collection: str) -> list[dict[str, Any]]:
        path = self.mirakl_path(collection)
        return jsonio.read(path) if path.exists() else []

    def write_mirakl(self, collection: str, items: list[dict[str, Any]]) -> None:
        jsonio.write(self.mirakl_path(collection), items)
