"""`recon dashboard`: the exception queue (a Streamlit app) over the warehouse's read snapshot."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from rich.console import Console

from recon.cli import cli, resolve_warehouse, warehouse_option
from recon.settings import PROJECT_ROOT, WAREHOUSE_ENV
from recon.warehouse import snapshot_path

APP = PROJECT_ROOT / "dashboards" / "app.py"


def streamlit_command(warehouse: Path, port: int, address: str) -> list[str]:
    """`streamlit run` for the app, with the warehouse passed through to it."""
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP),
        "--server.port",
        str(port),
        "--server.address",
        address,
        "--server.headless",
        "true",
        # The app's files do not change while it serves; watching them only costs CPU.
        "--server.fileWatcherType",
        "none",
        "--browser.gatherUsageStats",
        "false",
        # People who work the queue need no deploy button or developer menu.
        "--client.toolbarMode",
        "viewer",
        "--",
        "--warehouse",
        str(warehouse),
    ]


@cli.command()
@warehouse_option
@click.option("--port", type=int, default=8501, show_default=True, help="Port to serve on.")
@click.option(
    "--address",
    default="localhost",
    show_default=True,
    help="Address to listen on (0.0.0.0 to serve other machines).",
)
def dashboard(warehouse: Path | None, port: int, address: str) -> None:
    """Serve the exception queue: open exceptions, runbooks, payouts, run history, approvals.

    It reads the snapshot each run publishes at its end, never the live warehouse, so it
    can stay open while `recon run` works; a new snapshot shows up without a restart.
    """
    console = Console()
    target = resolve_warehouse(warehouse)
    snapshot = snapshot_path(target)
    if not snapshot.exists():
        console.print(
            f"[yellow]No read snapshot at {snapshot} yet[/yellow]: the dashboard shows the data "
            "as soon as a run (`recon run`, `make demo`) publishes one."
        )
    console.print(f"[bold]Exception queue[/bold] at http://{address}:{port} reading {snapshot}")
    sys.stdout.flush()
    # Streamlit takes over this process, so stopping `recon dashboard` stops the server.
    os.execve(
        sys.executable,
        streamlit_command(target, port, address),
        {**os.environ, WAREHOUSE_ENV: str(target)},
    )
