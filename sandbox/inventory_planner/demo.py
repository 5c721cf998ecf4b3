"""Serve a demo world's planning side through the Inventory Planner sandbox, for `recon demo`.

Inventory Planner is not the ERP: it is an extra source beside it, so it is found here rather
than through `sandbox.erp_demo`. Serving it also writes the planning ground truth beside the
world's own (see `truth`), which `recon.scoring` counts once the planning tool is landed.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from dlt.extract.source import DltSource

from sandbox.inventory_planner.server import InventoryPlannerSandbox, SandboxConfig
from sandbox.inventory_planner.truth import write_planning_truth


@contextmanager
def serve_demo_planning(world_dir: Path) -> Iterator[DltSource]:
    """The Inventory Planner dlt source, configured against the sandbox while it serves."""
    from ingestion.inventory_planner import inventory_planner_source

    # Throwaway credentials: the sandbox accepts only these, and they are never printed.
    config = SandboxConfig(
        api_key=secrets.token_urlsafe(24), account_id=f"demo-{secrets.token_hex(4)}"
    )
    sandbox = InventoryPlannerSandbox.from_world(Path(world_dir), config=config)
    write_planning_truth(sandbox.view, Path(world_dir))
    with sandbox.serve() as base_url:
        yield inventory_planner_source(
            base_url=base_url, api_key=config.api_key, account_id=config.account_id
        )


@contextmanager
def serving_planning(world_dir: Path, enabled: bool = True) -> Iterator[list[DltSource]]:
    """`[source]` while Inventory Planner serves the world's planning side; `[]` when disabled."""
    if not enabled:
        yield []
        return
    with serve_demo_planning(world_dir) as source:
        yield [source]
