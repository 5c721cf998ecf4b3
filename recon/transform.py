"""Run the dbt project against a warehouse, with every rule evaluated as of one instant."""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from recon.planning import planning_system
from recon.settings import (
    PROJECT_ROOT,
    WAREHOUSE_ENV,
    configured_erp_system,
    configured_finance_system,
)

DBT_PROJECT = PROJECT_ROOT / "dbt_project"


class TransformFailed(RuntimeError):
    """dbt reported errors or failing tests; the message lists them."""


@dataclass(frozen=True)
class TransformResult:
    as_of: dt.datetime
    passed: int


def dbt_paths(warehouse: Path) -> dict[str, Path]:
    """Per-warehouse dbt working folders, so two warehouses can be built at the same time."""
    base = warehouse.parent / ".dbt" / warehouse.stem
    return {"target": base / "target", "logs": base / "logs"}


@contextmanager
def _warehouse_env(warehouse: Path):
    previous = os.environ.get(WAREHOUSE_ENV)
    os.environ[WAREHOUSE_ENV] = str(warehouse)
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(WAREHOUSE_ENV, None)
        else:
            os.environ[WAREHOUSE_ENV] = previous


def run_dbt(
    warehouse: Path,
    command: Sequence[str],
    *,
    as_of: dt.datetime | None = None,
    extra_vars: dict[str, object] | None = None,
):
    from dbt.cli.main import dbtRunner

    as_of = (as_of or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    given = extra_vars or {}
    erp_system = given.get("erp_system") or configured_erp_system()
    variables = {"as_of": as_of.isoformat(), "erp_system": erp_system}
    # A caller naming the finance system (recon demo) does not depend on the configured one.
    if not given.get("finance_system"):
        variables["finance_system"] = configured_finance_system(str(erp_system))
    variables.update(given)
    # A planning tool joins the run when configured and landed, unless the caller says.
    if "planning_system" not in variables:
        variables["planning_system"] = planning_system(warehouse)
    paths = dbt_paths(warehouse)
    args = [
        *command,
        "--project-dir",
        str(DBT_PROJECT),
        "--profiles-dir",
        str(DBT_PROJECT),
        "--target-path",
        str(paths["target"]),
        "--log-path",
        str(paths["logs"]),
        "--vars",
        json.dumps(variables),
    ]
    with _warehouse_env(warehouse):
        try:
            return dbtRunner().invoke(args), as_of
        finally:
            _release_duckdb()


def _release_duckdb() -> None:
    """Close the DuckDB instance dbt-duckdb keeps open after a run.

    DuckDB allows one writer process; an instance left open would keep the file locked for as
    long as this process lives and clash with read-only connections opened afterwards.
    dbt-duckdb holds it on a class attribute with no public way to close it.
    """
    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    except ImportError:  # another adapter: nothing held
        return
    with DuckDBConnectionManager._LOCK:
        environment = DuckDBConnectionManager._ENV
        if environment is not None:
            environment.close()
            DuckDBConnectionManager._ENV = None


def transform(
    warehouse: Path,
    *,
    as_of: dt.datetime | None = None,
    select: Sequence[str] = (),
    extra_vars: dict[str, object] | None = None,
) -> TransformResult:
    """`dbt build` (seeds, models, tests); raises TransformFailed on any error or failing test."""
    command = ["build", "--quiet"] + (["--select", *select] if select else [])
    result, as_of = run_dbt(warehouse, command, as_of=as_of, extra_vars=extra_vars)
    if result.exception is not None:
        raise TransformFailed(f"dbt could not run: {result.exception}") from result.exception
    failures = [
        f"{node.node.resource_type} {node.node.name}: {node.status} {node.message or ''}".strip()
        for node in result.result
        if str(node.status) in ("error", "fail")
    ]
    passed = sum(1 for node in result.result if str(node.status) in ("success", "pass"))
    if failures or not result.success:
        raise TransformFailed("dbt build failed:\n  " + "\n  ".join(failures or ["see dbt logs"]))
    return TransformResult(as_of=as_of, passed=passed)
