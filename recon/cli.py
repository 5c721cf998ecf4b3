"""The `recon` command line: one entry point for every job."""

from __future__ import annotations

from pathlib import Path

import click

from recon import __version__
from recon.settings import WAREHOUSE_ENV, resolve_warehouse


def warehouse_option(func):
    return click.option(
        "--warehouse",
        "warehouse",
        type=click.Path(dir_okay=False, path_type=Path),
        envvar=WAREHOUSE_ENV,
        default=None,
        show_envvar=True,
        help="DuckDB warehouse file (default warehouse/recon.duckdb).",
    )(func)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="recon")
def cli() -> None:
    """mirakl-recon: find and fix drift between Mirakl and your ERP."""


@cli.group()
def sandbox() -> None:
    """Local stand-ins for Mirakl and the ERPs, and the demo world they serve."""


def main() -> None:
    cli()


__all__ = ["cli", "main", "resolve_warehouse", "sandbox", "warehouse_option"]


# Registration happens on import; kept at the bottom so the groups above exist first.
from recon.commands import register_all  # noqa: E402

register_all()
