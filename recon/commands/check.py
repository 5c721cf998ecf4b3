"""`recon check`: run the expectation suites on what dbt built, and alert owners."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click
from rich.console import Console

from expectations.config import THRESHOLDS_ENV, ThresholdsError, load_thresholds
from recon.alerts import print_alert_report, send_alerts
from recon.checks import last_build_as_of, print_check_summary, run_checks
from recon.cli import cli, resolve_warehouse, warehouse_option
from recon.commands.sandbox_generate import parse_as_of
from recon.run import EXIT_BREACHED, EXIT_BUSY, EXIT_SUCCEEDED
from recon.warehouse import WarehouseBusy, publish_snapshot, run_lock


def thresholds_option(func):
    return click.option(
        "--thresholds",
        "thresholds_file",
        type=click.Path(dir_okay=False, path_type=Path),
        envvar=THRESHOLDS_ENV,
        show_envvar=True,
        default=None,
        help="Thresholds and severities (default expectations/thresholds.yml).",
    )(func)


def load_thresholds_option(path: Path | None):
    try:
        return load_thresholds(path)
    except ThresholdsError as error:
        raise click.BadParameter(str(error), param_hint="--thresholds") from error


@cli.command("check")
@warehouse_option
@click.option(
    "--as-of",
    "as_of",
    default=None,
    help="Evaluate as of this instant (ISO 8601); default: the last dbt build's as_of, else now.",
)
@thresholds_option
@click.option(
    "--alerts/--no-alerts",
    "alerts",
    default=True,
    show_default=True,
    help="Post new and resolved breaches to the owners' webhooks.",
)
@click.pass_context
def check_command(
    ctx: click.Context,
    warehouse: Path | None,
    as_of: str | None,
    thresholds_file: Path | None,
    alerts: bool,
) -> None:
    """Check the landed data and the marts; exit 3 when a critical expectation fails.

    Exit status: 0 no critical expectation failed, 3 a critical one failed, 75 another run
    holds the warehouse (nothing done), 1 the checks could not run, 2 bad usage.
    """
    console = Console()
    target = resolve_warehouse(warehouse)
    if not target.exists():
        raise click.ClickException(f"no warehouse at {target}: run `recon run` first")
    thresholds = load_thresholds_option(thresholds_file)
    instant = parse_as_of(as_of) or last_build_as_of(target) or dt.datetime.now(dt.UTC)
    try:
        with run_lock(target, "check"):
            outcome = run_checks(target, as_of=instant, thresholds=thresholds, console=console)
            print_check_summary(outcome, console)
            if alerts:
                report = send_alerts(
                    target,
                    outcome.results,
                    run_id=outcome.run_id,
                    as_of=outcome.as_of,
                    settings=thresholds.alerts,
                )
                print_alert_report(report, console)
            publish_snapshot(target)
    except WarehouseBusy as error:
        click.echo(str(error), err=True)
        ctx.exit(EXIT_BUSY)
    ctx.exit(EXIT_SUCCEEDED if outcome.success else EXIT_BREACHED)
