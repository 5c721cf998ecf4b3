"""Run the hand-written floor script, and read the drift models' answer for the same types."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

FLOOR_SQL = Path(__file__).with_name("floor.sql")
# The exception types the floor computes; the baseline computes the first and the last.
FLOOR_TYPES = (
    "stock_mismatch",
    "unacknowledged_order",
    "fulfilled_not_shipped",
    "order_missing_in_erp",
    "payout_variance",
)
BASELINE_TYPES = ("stock_mismatch", "payout_variance")
# The dbt project's defaults (dbt_project.yml vars), which the benchmark never overrides.
PARAMETERS = {"alert_minutes": 60, "tolerance": 0.01, "stock_tolerance": 0, "grace_days": 3}

Drift = tuple[str, str]


def floor_drifts(warehouse: Path, as_of: dt.datetime) -> set[Drift]:
    """The (exception type, entity id) pairs the floor script finds."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        con.execute(FLOOR_SQL.read_text(encoding="utf-8"), {"as_of": as_of, **PARAMETERS})
        rows = con.execute("select exception_type, entity_id from floor_exceptions").fetchall()
    return {(kind, str(entity)) for kind, entity in rows}


def mart_drifts(warehouse: Path, types: tuple[str, ...] = FLOOR_TYPES) -> set[Drift]:
    """The open exceptions of `types` in the drift models' `exceptions` mart."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "select exception_type, entity_id from main.exceptions "
            "where status = 'open' and list_contains(?, exception_type)",
            [list(types)],
        ).fetchall()
    return {(kind, str(entity)) for kind, entity in rows}


def baseline_drifts(warehouse: Path, as_of: dt.datetime) -> set[Drift]:
    """The analyst's baseline's answer, as (exception type, entity id) pairs."""
    from bench import pandas_baseline

    found = pandas_baseline.run(
        warehouse, as_of, tolerance=PARAMETERS["tolerance"], grace_days=PARAMETERS["grace_days"]
    )
    return {(kind, str(entity)) for kind, entities in found.items() for entity in entities}
