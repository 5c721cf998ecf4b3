"""Where things live: the warehouse file, the dlt pipeline state, the demo world."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_WAREHOUSE = Path("warehouse") / "recon.duckdb"
DEFAULT_DEMO_WORLD = Path("demo") / "world"
WAREHOUSE_ENV = "RECON_WAREHOUSE"
# Reference material and real Mirakl payloads kept beside the repository (../shared).
SHARED_DIR = Path(os.environ.get("RECON_SHARED_DIR") or PROJECT_ROOT.parent / "shared")


def resolve_warehouse(path: str | Path | None = None) -> Path:
    """The warehouse file: an explicit path, else $RECON_WAREHOUSE, else warehouse/recon.duckdb."""
    chosen = Path(path) if path else Path(os.environ.get(WAREHOUSE_ENV) or DEFAULT_WAREHOUSE)
    return chosen.expanduser().resolve()


def pipelines_dir(warehouse: Path) -> Path:
    """dlt keeps its working state beside the warehouse, so two warehouses never share state."""
    return warehouse.parent / ".dlt_pipelines" / warehouse.stem
