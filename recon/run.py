"""One pipeline run: ingest → dbt build → checks → alerts → history → read snapshot.

`run_pipeline` is what `recon run` (the command a scheduler calls) and `recon demo` execute, and
what tests and other tools call to bring a warehouse up to date:

    from recon.run import run_pipeline
    outcome = run_pipeline("warehouse/recon.duckdb", as_of=None)  # sources from config
    if not outcome.ok:
        print(outcome.status, outcome.failed_step, outcome.error)

It holds the warehouse's run lock for the whole run and raises `recon.warehouse.WarehouseBusy`
at once, having changed nothing, when another run holds it. Any other failure is not raised:
it ends the run with status `failed`, naming the step and the error, and is recorded in
`monitoring.pipeline_runs`. Whatever the status, the run ends by publishing the read snapshot,
so the dashboard and analysts see the latest state (including a failure or a breach).

Statuses and the exit codes `recon run` turns them into:

    succeeded  0   every step ran and no critical expectation failed (warnings may have)
    failed     1   a step failed (ingest, transform, check, record); see failed_step and error
    breached   3   every step ran and a critical expectation failed
    (busy)    75   another run holds the warehouse; nothing was done (EX_TEMPFAIL: retry later)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
from dlt.extract.source import DltSource
from rich.console import Console

from expectations.config import Thresholds, load_thresholds
from ingestion.pipeline import IngestReport, configured_sources, default_progress, run_sources
from recon.alerts import AlertReport, print_alert_report, send_alerts, webhook_from_secrets
from recon.checks import CheckOutcome, new_run_id, print_check_summary, run_checks
from recon.errors import describe
from recon.monitoring import (
    ExceptionTotals,
    ensure_schema,
    exception_totals,
    record_exception_history,
    record_pipeline_run,
    table_exists,
)
from recon.reports import print_exception_summary
from recon.settings import resolve_warehouse
from recon.transform import TransformFailed, TransformResult, transform
from recon.warehouse import publish_snapshot, run_lock

EXIT_SUCCEEDED = 0
EXIT_FAILED = 1
EXIT_BREACHED = 3
EXIT_BUSY = 75

STEPS = ("configure", "ingest", "transform", "check", "record")
_ERROR_LIMIT = 2000


class StepFailed(RuntimeError):
    def __init__(self, step: str, message: str, cause: BaseException | None = None):
        super().__init__(message)
        self.step = step
        self.cause = cause


@dataclass
class RunOutcome:
    run_id: str
    command: str
    warehouse: Path
    started_at: dt.datetime
    as_of: dt.datetime
    status: str = "failed"
    finished_at: dt.datetime | None = None
    failed_step: str | None = None
    error: str | None = None
    exception: BaseException | None = None
    ingest: IngestReport | None = None
    transform: TransformResult | None = None
    checks: CheckOutcome | None = None
    alerts: AlertReport | None = None
    alerts_error: str | None = None
    totals: ExceptionTotals | None = None
    snapshot: Path | None = None

    @property
    def ok(self) -> bool:
        return self.status == "succeeded"

    @property
    def exit_code(self) -> int:
        return {"succeeded": EXIT_SUCCEEDED, "breached": EXIT_BREACHED}.get(
            self.status, EXIT_FAILED
        )


def run_pipeline(
    warehouse: Path | str | None,
    *,
    sources: Sequence[DltSource | str] | None = None,
    as_of: dt.datetime | None = None,
    extra_vars: dict[str, object] | None = None,
    console: Console | None = None,
    command: str = "run",
    thresholds: Thresholds | Path | str | None = None,
    deliver_alerts: bool = True,
    webhook_for: Callable[[str], str | None] = webhook_from_secrets,
) -> RunOutcome:
    """Run the pipeline on `warehouse` holding its run lock; see the module docstring.

    sources: dlt sources or source names (default: mirakl, the configured ERP and finance
        systems and [recon] extra_sources). as_of: the instant every rule is evaluated at
        (default: now). extra_vars: more dbt vars (e.g. erp_system). console: where progress
        and summaries go (default: nowhere). thresholds: a Thresholds or a path to a
        thresholds file (default: $RECON_THRESHOLDS or expectations/thresholds.yml).
        deliver_alerts: False keeps alert state but posts nothing.
    Raises WarehouseBusy if another run holds the warehouse.
    """
    target = resolve_warehouse(warehouse)
    with run_lock(target, command):
        return run_locked(
            target,
            sources=sources,
            as_of=as_of,
            extra_vars=extra_vars,
            console=console,
            command=command,
            thresholds=thresholds,
            deliver_alerts=deliver_alerts,
            webhook_for=webhook_for,
        )


def run_locked(
    warehouse: Path,
    *,
    sources: Sequence[DltSource | str] | None = None,
    as_of: dt.datetime | None = None,
    extra_vars: dict[str, object] | None = None,
    console: Console | None = None,
    command: str = "run",
    thresholds: Thresholds | Path | str | None = None,
    deliver_alerts: bool = True,
    webhook_for: Callable[[str], str | None] = webhook_from_secrets,
) -> RunOutcome:
    """`run_pipeline` for a caller that already holds `run_lock(warehouse, ...)` (recon demo)."""
    console = console or Console(quiet=True)
    started_at = dt.datetime.now(dt.UTC)
    outcome = RunOutcome(
        run_id=new_run_id(started_at),
        command=command,
        warehouse=warehouse,
        started_at=started_at,
        as_of=(as_of or started_at).astimezone(dt.UTC),
    )
    console.print(
        f"[bold]Run {outcome.run_id}[/bold] ({command}): ingest → dbt build → checks, "
        f"as of {outcome.as_of:%Y-%m-%d %H:%M:%S}Z"
    )
    try:
        _steps(
            outcome,
            sources=sources,
            extra_vars=extra_vars,
            console=console,
            thresholds=thresholds,
            webhook_for=webhook_for if deliver_alerts else None,
        )
    except StepFailed as failure:
        outcome.status = "failed"
        outcome.failed_step = failure.step
        outcome.error = str(failure)[:_ERROR_LIMIT]
        outcome.exception = failure.cause or failure
        console.print(f"[red]Run failed at {failure.step}[/red]: {outcome.error}")
    finally:
        _finish(outcome, console)
    return outcome


def _steps(
    outcome: RunOutcome,
    *,
    sources: Sequence[DltSource | str] | None,
    extra_vars: dict[str, object] | None,
    console: Console,
    thresholds: Thresholds | Path | str | None,
    webhook_for: Callable[[str], str | None] | None,
) -> None:
    warehouse = outcome.warehouse
    settings = _step("configure", lambda: _thresholds(thresholds))
    outcome.ingest = _step("ingest", lambda: _ingest(warehouse, sources, console))
    from recon.commands.ingest import print_ingest_report

    print_ingest_report(outcome.ingest, console)
    with console.status("Building the drift models with dbt"):
        outcome.transform = _step(
            "transform",
            lambda: transform(warehouse, as_of=outcome.as_of, extra_vars=extra_vars),
        )
    console.print(f"dbt build passed ({outcome.transform.passed} nodes).")
    print_exception_summary(warehouse, console)
    outcome.checks = _step(
        "check",
        lambda: run_checks(
            warehouse,
            as_of=outcome.as_of,
            run_id=outcome.run_id,
            command=outcome.command,
            thresholds=settings,
            console=console,
        ),
    )
    print_check_summary(outcome.checks, console)
    outcome.status = "succeeded" if outcome.checks.success else "breached"
    try:
        outcome.alerts = send_alerts(
            warehouse,
            outcome.checks.results,
            run_id=outcome.run_id,
            as_of=outcome.as_of,
            settings=settings.alerts,
            webhook_for=webhook_for,
        )
    except Exception as error:  # alerting never decides a run's status
        outcome.alerts_error = describe(error)
        console.print(f"[yellow]Alerts could not be processed[/yellow]: {outcome.alerts_error}")
    else:
        print_alert_report(outcome.alerts, console, delivering=webhook_for is not None)


def _step(name: str, action):
    try:
        return action()
    except TransformFailed as error:
        raise StepFailed(name, str(error), error) from error
    except Exception as error:
        raise StepFailed(name, describe(error), error) from error


def _thresholds(value: Thresholds | Path | str | None) -> Thresholds:
    return value if isinstance(value, Thresholds) else load_thresholds(value)


def _ingest(
    warehouse: Path, sources: Sequence[DltSource | str] | None, console: Console
) -> IngestReport:
    if sources is None:
        from recon.commands.ingest import default_sources

        sources = default_sources()
    names = [source for source in sources if isinstance(source, str)]
    configured = iter(configured_sources(names)) if names else iter(())
    resolved = [next(configured) if isinstance(s, str) else s for s in sources]
    return run_sources(
        warehouse,
        resolved,
        progress=None if console.quiet else default_progress(),
        on_source=lambda name: console.print(f"[bold]Loading {name}[/bold] into {warehouse}"),
    )


def _finish(outcome: RunOutcome, console: Console) -> None:
    """Record the run and publish the read snapshot, whatever happened before."""
    outcome.finished_at = dt.datetime.now(dt.UTC)
    try:
        with duckdb.connect(str(outcome.warehouse)) as con:
            ensure_schema(con)
            built = outcome.transform is not None and table_exists(con, "main", "exceptions")
            if built:
                outcome.totals = exception_totals(con)
                record_exception_history(con, outcome.run_id, outcome.as_of)
            record_pipeline_run(
                con,
                run_id=outcome.run_id,
                command=outcome.command,
                started_at=outcome.started_at,
                finished_at=outcome.finished_at,
                status=outcome.status,
                failed_step=outcome.failed_step,
                error=outcome.error,
                as_of=outcome.as_of,
                totals=outcome.totals,
                exit_code=outcome.exit_code,
            )
    except Exception as error:
        if outcome.failed_step is None:
            outcome.status = "failed"
            outcome.failed_step = "record"
            outcome.error = describe(error)[:_ERROR_LIMIT]
            outcome.exception = error
        console.print(f"[red]The run could not be recorded[/red]: {describe(error)}")
    outcome.snapshot = publish_snapshot(outcome.warehouse)
    style = {"succeeded": "green", "breached": "red"}.get(outcome.status, "red")
    # The demo decides its own exit status; say what a scheduled run would have returned.
    code = (
        f"`recon run` would exit {outcome.exit_code}"
        if outcome.command == "demo"
        else f"exit status {outcome.exit_code}"
    )
    console.print(
        f"Run {outcome.run_id} [{style}]{outcome.status}[/{style}] "
        f"in {(outcome.finished_at - outcome.started_at).total_seconds():.0f}s "
        f"({code}); read snapshot: {outcome.snapshot}"
    )
