"""The ground truth of a demo world: which exception each injected drift must raise."""

from __future__ import annotations

import csv
from pathlib import Path

EXCEPTION_TYPES: tuple[str, ...] = (
    "stock_mismatch",
    "unmapped_offer",
    "missing_offer",
    "unacknowledged_order",
    "fulfilled_not_shipped",
    "carrier_code_unmapped",
    "order_missing_in_erp",
    "premature_erp_order",
    "order_amount_mismatch",
    "refund_not_mirrored",
    "payout_variance",
    "stale_source",
)


class Truth:
    """Injected drifts (must be flagged) and look-alikes (must not be)."""

    def __init__(self) -> None:
        self._rows: set[tuple[str, str]] = set()
        self._lookalikes: dict[tuple[str, str], str] = {}

    def lookalike(self, description: str, exception_type: str, entity_id: str) -> None:
        """A clean case a careless rule would flag as ``exception_type``."""
        if exception_type not in EXCEPTION_TYPES:
            raise ValueError(f"unknown exception type {exception_type!r}")
        self._lookalikes[(exception_type, entity_id)] = description

    def lookalikes(self) -> list[tuple[str, str, str]]:
        """(description, exception_type, entity_id) of look-alikes that no drift overlaps."""
        return sorted(
            (description, kind, entity)
            for (kind, entity), description in self._lookalikes.items()
            if (kind, entity) not in self._rows
        )

    def add(self, exception_type: str, entity_id: str) -> None:
        if exception_type not in EXCEPTION_TYPES:
            raise ValueError(f"unknown exception type {exception_type!r}")
        self._rows.add((exception_type, entity_id))

    def __contains__(self, row: tuple[str, str]) -> bool:
        return row in self._rows

    def rows(self) -> list[tuple[str, str]]:
        return sorted(self._rows)

    def count(self, exception_type: str) -> int:
        return sum(1 for kind, _ in self._rows if kind == exception_type)

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["exception_type", "entity_id"])
            writer.writerows(self.rows())

    def write_lookalikes(self, path: Path) -> None:
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["description", "exception_type", "entity_id"])
            writer.writerows(self.lookalikes())


def read_truth(path: Path) -> set[tuple[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return {(row["exception_type"], row["entity_id"]) for row in csv.DictReader(handle)}


def read_lookalikes(path: Path) -> list[tuple[str, str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return [
            (row["description"], row["exception_type"], row["entity_id"])
            for row in csv.DictReader(handle)
        ]
