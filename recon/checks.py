"""Run the expectation suites against a warehouse and keep the results in `monitoring`.

The caller holds the warehouse's run lock (`recon check`, `recon run` and `recon demo` do).
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from dataclasses import dataclass
from pathlib import Path

import duckdb
from rich.console import Console
from rich.table import Table

from expectations.config import Thresholds, load_thresholds
from expectations.runner import CheckResult, Evaluation, evaluate
from expectations.suites import all_batches
from recon.monitoring import ensure_schema, record_check_run
from recon.transform import dbt_paths


@dataclass(frozen=True)
class CheckOutcome:
    run_id: str
    as_of: dt.datetime
    started_at: dt.datetime
    finished_at: dt.datetime
    evaluation: Evaluation
    thresholds: Thresholds

    @property
    def results(self) -> list[CheckResult]:
        return self.evaluation.results

    @property
    def failed(self) -> list[CheckResult]:
        return self.evaluation.failed

    @property
    def critical_failed(self) -> list[CheckResult]:
        return self.evaluation.critical_failed

    @property
    def success(self) -> bool:
        """No critical expectation failed (warnings may have)."""
        return not self.critical_failed


def new_run_id(now: dt.datetime | None = None) -> str:
    """Sortable by time, unique: 20260501T120000Z-1a2b3c."""
    now = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    return f"{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


def data_docs_dir(warehouse: Path) -> Path:
    """Data Docs live beside the warehouse: warehouse/data_docs/recon/index.html."""
    return warehouse.parent / "data_docs" / warehouse.stem


def last_build_as_of(warehouse: Path) -> dt.datetime | None:
    """The as_of the last dbt build of this warehouse was evaluated at, if dbt recorded one."""
    run_results = dbt_paths(warehouse)["target"] / "run_results.json"
    try:
        value = json.loads(run_results.read_text(encoding="utf-8"))["args"]["vars"]["as_of"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    from recon.timestamps import parse_utc

    try:
        return parse_utc(value)
    except ValueError:
        return None


def run_checks(
    warehouse: Path,
    *,
    as_of: dt.datetime,
    run_id: str | None = None,
    command: str = "check",
    thresholds: Thresholds | None = None,
    console: Console | None = None,
) -> CheckOutcome:
    """Evaluate every suite, write Data Docs, record the run; the caller holds the run lock."""
    thresholds = thresholds or load_thresholds()
    console = console or Console(quiet=True)
    started_at = dt.datetime.now(dt.UTC)
    run_id = run_id or new_run_id(started_at)
    as_of = as_of.astimezone(dt.UTC)
    batches = all_batches(thresholds)
    checks = sum(len(batch.all_checks) for batch in batches)
    with (
        console.status(f"Checking {checks} expectations on {len(batches)} tables") as status,
        duckdb.connect(str(warehouse)) as con,
    ):
        ensure_schema(con)
        evaluation = evaluate(
            con,
            batches,
            as_of=as_of,
            run_id=run_id,
            run_time=started_at,
            future_tolerance=dt.timedelta(minutes=thresholds.data_quality.future_tolerance_minutes),
            data_docs_dir=data_docs_dir(warehouse),
            keep_runs=thresholds.data_docs_keep_runs,
            on_batch=lambda batch: status.update(f"Checking {batch.suite}: {batch.table}"),
        )
        finished_at = dt.datetime.now(dt.UTC)
        record_check_run(
            con,
            run_id=run_id,
            command=command,
            started_at=started_at,
            finished_at=finished_at,
            as_of=as_of,
            results=evaluation.results,
            data_docs_path=str(evaluation.data_docs_index) if evaluation.data_docs_index else None,
            thresholds_path=str(thresholds.path),
        )
    return CheckOutcome(
        run_id=run_id,
        as_of=as_of,
        started_at=started_at,
        finished_at=finished_at,
        evaluation=evaluation,
        thresholds=thresholds,
    )


def print_check_summary(outcome: CheckOutcome, console: Console) -> None:
    """The failed expectations, worst first, and one line with the totals."""
    failed = sorted(
        outcome.failed, key=lambda r: (r.severity != "critical", r.suite, r.expectation)
    )
    if failed:
        table = Table(title=f"Failed expectations (check run {outcome.run_id})")
        for column, justify in (
            ("severity", "left"),
            ("expectation", "left"),
            ("observed", "left"),
            ("failing keys", "left"),
        ):
            table.add_column(column, justify=justify, overflow="fold")
        for result in failed:
            style = "red" if result.severity == "critical" else "yellow"
            keys = ", ".join(result.failing_keys[:3])
            if len(result.failing_keys) > 3:
                keys += f" (+{len(result.failing_keys) - 3} more)"
            table.add_row(
                f"[{style}]{result.severity}[/{style}]",
                result.expectation,
                result.observed_value,
                keys or "-",
            )
        console.print(table)
    critical = len(outcome.critical_failed)
    warnings = len(failed) - critical
    passed = len(outcome.results) - len(failed)
    verdict = "[red]critical breach[/red]" if critical else "[green]no critical breach[/green]"
    console.print(
        f"Checks as of {outcome.as_of:%Y-%m-%d %H:%M:%S}Z: {len(outcome.results)} expectations, "
        f"{passed} passed, {critical} critical and {warnings} warning(s) failed: {verdict}."
    )
    if outcome.evaluation.data_docs_index:
        console.print(f"Data Docs: {outcome.evaluation.data_docs_index}")
