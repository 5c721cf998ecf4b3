"""A local stand-in for the Inventory Planner public API, serving a demo world's planning view.

from sandbox.inventory_planner import InventoryPlannerSandbox, SandboxConfig

sandbox = InventoryPlannerSandbox.from_world(Path("demo/world"), config=SandboxConfig())
with sandbox.serve() as base_url:  # the API lives under base_url + "/api/v1"
    ...

`serve_demo_planning(world_dir)` (in `.demo`) serves it for `recon demo` and yields the dlt
source configured against it. Deliberately no `serve_demo_source`: that name marks an ERP
sandbox for `sandbox.erp_demo`, and Inventory Planner is not an ERP.
"""

from sandbox.inventory_planner.server import InventoryPlannerSandbox, SandboxConfig, error_body
from sandbox.inventory_planner.truth import (
    LOOKALIKES_FILE,
    PLANNING_EXCEPTION_TYPE,
    TRUTH_FILE,
    planning_truth_path,
    write_planning_truth,
)
from sandbox.inventory_planner.world import PlanningView, planning_view

__all__ = [
    "LOOKALIKES_FILE",
    "PLANNING_EXCEPTION_TYPE",
    "TRUTH_FILE",
    "InventoryPlannerSandbox",
    "PlanningView",
    "SandboxConfig",
    "error_body",
    "planning_truth_path",
    "planning_view",
    "write_planning_truth",
]
