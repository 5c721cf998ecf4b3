"""`recon ingest`: land Mirakl and ERP data in the warehouse."""

from __future__ import annotations

from pathlib import Path

import click
from dlt.pipeline.exceptions import PipelineStepFailed
from rich.console import Console
from rich.table import Table

from ingestion.pipeline import IngestReport, configured_sources, default_progress, run_sources
from recon.cli import cli, resolve_warehouse, warehouse_option
from recon.errors import describe
from recon.settings import (
    SettingsError,
    configured_erp_system,
    configured_extra_sources,
    configured_finance_system,
)


def default_sources() -> list[str]:
    """Mirakl, the configured ERP, the finance system if it differs, and any extra sources."""
    erp = configured_erp_system()
    chosen = ["mirakl", erp, configured_finance_system(erp), *configured_extra_sources()]
    return list(dict.fromkeys(chosen))


def print_ingest_report(report: IngestReport, console: Console) -> None:
    table = Table(title=f"Landed in {report.warehouse}")
    table.add_column("table")
    table.add_column("rows this run", justify="right")
    table.add_column("rows in total", justify="right")
    for run in report.runs:
        for name, total in sorted(run.rows_total.items()):
            loaded = run.rows_loaded.get(name, 0)
            table.add_row(f"{run.dataset}.{name}", f"{loaded:,}", f"{total:,}")
    console.print(table)
    if report.quarantined:
        where = ", ".join(f"{run.dataset}.quarantine" for run in report.runs if run.quarantined)
        console.print(
            f"[yellow]{report.quarantined:,} record(s) quarantined[/yellow]: see {where} "
            "for the record, the file or key, and the reason."
        )
    else:
        console.print("No record quarantined.")


@cli.command()
@warehouse_option
@click.option(
    "--source",
    "sources",
    multiple=True,
    help="Only these sources (repeatable): mirakl, an ERP, or another package of ingestion/. "
    "Default: mirakl, the configured ERP system and any [recon] extra_sources.",
)
def ingest(warehouse: Path | None, sources: tuple[str, ...]) -> None:
    """Land Mirakl and ERP data in the warehouse (incremental, idempotent)."""
    console = Console(stderr=False)
    target = resolve_warehouse(warehouse)
    try:
        names = list(sources) or default_sources()
    except SettingsError as error:
        raise click.ClickException(str(error)) from error
    try:
        configured = configured_sources(names)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--source") from error
    try:
        report = run_sources(
            target,
            configured,
            progress=default_progress(),
            on_source=lambda name: console.print(f"[bold]Loading {name}[/bold] into {target}"),
        )
    except PipelineStepFailed as error:
        raise click.ClickException(f"ingest failed: {describe(error)}") from error
    print_ingest_report(report, console)
