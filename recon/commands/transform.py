"""`recon transform`: build the drift models with dbt, evaluated as of one instant."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console

from recon.cli import cli, resolve_warehouse, warehouse_option
from recon.commands.sandbox_generate import parse_as_of
from recon.reports import print_exception_summary
from recon.settings import SettingsError
from recon.transform import TransformFailed, transform


def as_of_option(func):
    return click.option(
        "--as-of",
        "as_of",
        default=None,
        help="Evaluate every rule as of this instant (ISO 8601, UTC if no offset); default now.",
    )(func)


@cli.command("transform")
@warehouse_option
@as_of_option
def transform_command(warehouse: Path | None, as_of: str | None) -> None:
    """Build the drift models and the exceptions mart (dbt build, tests included)."""
    console = Console()
    target = resolve_warehouse(warehouse)
    with console.status("Building the drift models with dbt"):
        try:
            result = transform(target, as_of=parse_as_of(as_of))
        except (TransformFailed, SettingsError) as error:
            raise click.ClickException(str(error)) from error
    console.print(
        f"dbt build passed ({result.passed} nodes), as of {result.as_of:%Y-%m-%d %H:%M:%S}Z"
    )
    print_exception_summary(target, console)
