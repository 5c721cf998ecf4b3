"""How a suite is declared: batches read from the warehouse, each with the checks run on it.

A `Batch` is one query over one table; its `Check`s are Great Expectations expectations named by
class (`ExpectColumnValuesToBeUnique`) with their arguments, so a suite can be declared, listed
and tested without importing GX, and the runner builds the GX objects when it evaluates.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from expectations.config import Severity

# Expectation arguments may refer to these, written {"$PARAMETER": name}; the runner supplies
# them for each run.
LATEST_ALLOWED_TIMESTAMP = "latest_allowed_timestamp"


@dataclass(frozen=True)
class Check:
    """One expectation on a batch."""

    name: str  # stable and readable; the identity of results and alerts across runs
    expectation: str  # class name in great_expectations.expectations
    kwargs: Mapping[str, Any]
    severity: Severity
    description: str
    # For a whole-batch expectation (a mean, a share): rows where this column is true are the
    # evidence, reported as the failing keys.
    evidence_column: str | None = None
    # Alert once per failing key (an order, a billing cycle) instead of once for the check.
    alert_per_key: bool = False

    @property
    def columns(self) -> tuple[str, ...]:
        if "column" in self.kwargs:
            return (self.kwargs["column"],)
        return tuple(self.kwargs.get("column_list", ()))

    @property
    def column_name(self) -> str | None:
        return ", ".join(self.columns) or None


@dataclass(frozen=True)
class Batch:
    """The rows of one table a group of checks runs on.

    Without `sql`, the runner selects the columns the checks name from `table`; a column the
    table lacks fails the checks that need it. With `sql` (which may use the `$as_of`
    parameter), the query is run as written and any error fails every check of the batch.
    Every batch also expects rows: a missing or empty table never passes vacuously.
    """

    suite: str
    table: str  # schema.table
    keys: tuple[str, ...]  # the entity key reported for a failing row
    checks: tuple[Check, ...]
    sql: str | None = None
    # Identifies rows whose key itself is missing (dlt's _dlt_id on landed tables).
    row_id: str | None = None
    # Alerts go to this team; a column named `owner` in the batch names it row by row.
    owner: str | None = None
    # Severity of the batch's "has rows" check.
    rows_severity: Severity = "critical"
    row_check: Check = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(
            self,
            "row_check",
            Check(
                name=f"{self.table} has rows",
                expectation="ExpectTableRowCountToBeBetween",
                kwargs={"min_value": 1},
                severity=self.rows_severity,
                description=f"{self.table} exists and has at least one row.",
            ),
        )

    @property
    def gx_name(self) -> str:
        return f"{self.suite}.{self.table}"

    @property
    def all_checks(self) -> tuple[Check, ...]:
        return (self.row_check, *self.checks)

    @property
    def needed_columns(self) -> tuple[str, ...]:
        names = [*self.keys, *([self.row_id] if self.row_id else [])]
        for check in self.checks:
            names.extend(check.columns)
            if check.evidence_column:
                names.append(check.evidence_column)
        return tuple(dict.fromkeys(names))

    def with_severities(self, overrides: Mapping[str, Severity]) -> Batch:
        """The batch with some checks' severities changed by name."""
        if not overrides:
            return self
        checks = tuple(
            replace(check, severity=overrides[check.name]) if check.name in overrides else check
            for check in self.checks
        )
        batch = replace(self, checks=checks)
        if self.row_check.name in overrides:
            batch = replace(batch, rows_severity=overrides[self.row_check.name])
        return batch
