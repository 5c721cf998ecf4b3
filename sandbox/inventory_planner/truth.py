"""The planning ground truth, kept beside a world's own so that it never skews the base types.

``truth_planning.csv`` and ``lookalikes_planning.csv`` have the layout of ``truth.csv`` and
``lookalikes.csv``. They only mean something once the planning tool is landed: `recon.scoring`
counts them when the warehouse holds Inventory Planner's variants, and ignores them otherwise.
"""

from __future__ import annotations

import csv
from pathlib import Path

from sandbox.inventory_planner.world import PLANNING_EXCEPTION_TYPE, PlanningView

TRUTH_FILE = "truth_planning.csv"
LOOKALIKES_FILE = "lookalikes_planning.csv"


def planning_truth_path(truth_path: Path) -> Path:
    """Where the planning truth of the world whose truth.csv is `truth_path` lives."""
    return Path(truth_path).with_name(TRUTH_FILE)


def write_planning_truth(view: PlanningView, world_dir: Path) -> None:
    with (Path(world_dir) / TRUTH_FILE).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["exception_type", "entity_id"])
        writer.writerows(view.truth_rows())
    with (Path(world_dir) / LOOKALIKES_FILE).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["description", "exception_type", "entity_id"])
        writer.writerows(view.lookalike_rows())


__all__ = [
    "LOOKALIKES_FILE",
    "PLANNING_EXCEPTION_TYPE",
    "TRUTH_FILE",
    "planning_truth_path",
    "write_planning_truth",
]
