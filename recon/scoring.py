"""Score the exceptions a run raised against a demo world's ground truth."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from recon.planning import planning_landed
from sandbox.inventory_planner.truth import PLANNING_EXCEPTION_TYPE, planning_truth_path
from sandbox.world.truth import EXCEPTION_TYPES, read_truth


@dataclass(frozen=True)
class TypeScore:
    exception_type: str
    expected: int
    raised: int
    true_positives: int
    false_positives: tuple[str, ...]
    false_negatives: tuple[str, ...]

    @property
    def precision(self) -> float:
        return self.true_positives / self.raised if self.raised else 1.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.expected if self.expected else 1.0


def open_exceptions(warehouse: Path) -> set[tuple[str, str]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "select exception_type, entity_id from main.exceptions where status = 'open'"
        ).fetchall()
    return {(kind, entity) for kind, entity in rows}


def score(warehouse: Path, truth_path: Path) -> list[TypeScore]:
    """Precision and recall per exception type against `truth_path` (a world's truth.csv).

    Planning drift is expected only of a warehouse where the planning tool was landed: its
    truth (truth_planning.csv beside truth.csv) counts then, and otherwise nothing of the
    type may be raised.
    """
    truth = read_truth(truth_path)
    planning_truth = planning_truth_path(truth_path)
    if planning_truth.exists() and planning_landed(warehouse):
        truth |= read_truth(planning_truth)
    raised = open_exceptions(warehouse)
    scores = []
    for kind in (*EXCEPTION_TYPES, PLANNING_EXCEPTION_TYPE):
        expected = {entity for k, entity in truth if k == kind}
        got = {entity for k, entity in raised if k == kind}
        scores.append(
            TypeScore(
                exception_type=kind,
                expected=len(expected),
                raised=len(got),
                true_positives=len(expected & got),
                false_positives=tuple(sorted(got - expected)),
                false_negatives=tuple(sorted(expected - got)),
            )
        )
    return scores
