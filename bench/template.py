"""The template a benchmark world is tiled from: one demo world landed through the real path."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from ingestion.erp_files import erp_files_source
from ingestion.mirakl import mirakl_source
from ingestion.pipeline import run_sources
from sandbox.mirakl import MiraklSandbox, SandboxConfig
from sandbox.world.generate import generate_world
from sandbox.world.layout import WorldLayout

TEMPLATE_SEED = 7
# Fixed, so that every benchmark run measures the same data.
TEMPLATE_AS_OF = dt.datetime(2026, 5, 1, 12, 0, tzinfo=dt.UTC)
_KEY = "bench-template-key"


@dataclass(frozen=True)
class Template:
    world: WorldLayout
    warehouse: Path
    as_of: dt.datetime


def landed_template(work_dir: Path, scale: float = 1.0) -> Template:
    """Generate and land the template once per work folder; later calls reuse it."""
    layout = WorldLayout(work_dir / "template_world")
    warehouse = work_dir / "template.duckdb"
    done = work_dir / "template.done"
    if done.exists() and warehouse.exists():
        return Template(layout, warehouse, layout.read_manifest().as_of)
    warehouse.unlink(missing_ok=True)
    manifest = generate_world(layout.root, seed=TEMPLATE_SEED, scale=scale, as_of=TEMPLATE_AS_OF)
    sandbox = MiraklSandbox.from_world(layout.root, config=SandboxConfig(api_key=_KEY))
    with sandbox.serve() as base_url:
        run_sources(
            warehouse,
            [
                mirakl_source(base_url=base_url, api_key=_KEY, shop_id=manifest.shop_id),
                erp_files_source(path=str(layout.erp_dir)),
            ],
        )
    done.write_text("landed\n", encoding="utf-8")
    return Template(layout, warehouse, manifest.as_of)
