"""`recon run`: the one command a scheduler calls (ingest → dbt build → checks → alerts)."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console

from recon.cli import cli, resolve_warehouse, warehouse_option
from recon.commands.check import load_thresholds_option, thresholds_option
from recon.commands.sandbox_generate import parse_as_of
from recon.run import EXIT_BUSY, run_pipeline
from recon.warehouse import WarehouseBusy


@cli.command("run")
@warehouse_option
@click.option(
    "--source",
    "sources",
    multiple=True,
    help="Only these sources (repeatable); default: mirakl, the configured ERP and finance "
    "systems and [recon] extra_sources.",
)
@click.option(
    "--as-of",
    "as_of",
    default=None,
    help="Evaluate every rule as of this instant (ISO 8601, UTC if no offset); default now.",
)
@thresholds_option
@click.option(
    "--alerts/--no-alerts",
    "alerts",
    default=True,
    show_default=True,
    help="Post new and resolved breaches to the owners' webhooks (state is kept either way).",
)
@click.pass_context
def run_command(
    ctx: click.Context,
    warehouse: Path | None,
    sources: tuple[str, ...],
    as_of: str | None,
    thresholds_file: Path | None,
    alerts: bool,
) -> None:
    """Ingest, build the drift models, check them, alert owners and publish the read snapshot.

    Exit status: 0 succeeded, 3 a critical expectation failed, 1 a step failed (ingest,
    transform, check), 75 another run holds the warehouse (nothing was done; retry later),
    2 bad usage. Every run is recorded in monitoring.pipeline_runs.
    """
    console = Console()
    target = resolve_warehouse(warehouse)
    thresholds = load_thresholds_option(thresholds_file)
    try:
        outcome = run_pipeline(
            target,
            sources=list(sources) or None,
            as_of=parse_as_of(as_of),
            console=console,
            thresholds=thresholds,
            deliver_alerts=alerts,
        )
    except WarehouseBusy as error:
        click.echo(str(error), err=True)
        ctx.exit(EXIT_BUSY)
    ctx.exit(outcome.exit_code)
