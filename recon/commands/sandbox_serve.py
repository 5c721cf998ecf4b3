"""`recon sandbox serve`: run the Mirakl seller-API sandbox on a demo world until Ctrl-C."""

from __future__ import annotations

import time
from pathlib import Path

import click

from recon.cli import sandbox
from recon.settings import DEFAULT_DEMO_WORLD
from sandbox.http import FaultPlan
from sandbox.mirakl import MiraklSandbox, SandboxConfig, WorldDataError

API_KEY_ENV = "RECON_SANDBOX_MIRAKL_API_KEY"


@sandbox.command("serve")
@click.option(
    "--world",
    "world",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_DEMO_WORLD,
    show_default=True,
    help="Demo world to serve (made by `recon sandbox generate`).",
)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8686, show_default=True, help="0 picks a free port.")
@click.option(
    "--api-key",
    envvar=API_KEY_ENV,
    show_envvar=True,
    default="sandbox-shop-key",
    show_default=True,
    help="The shop API key clients must send, raw, in the Authorization header.",
)
@click.option(
    "--request-budget",
    type=click.IntRange(min=1),
    default=None,
    help="Requests allowed per window before 429 + Retry-After (default: unlimited).",
)
@click.option(
    "--budget-window",
    type=click.FloatRange(min=0, min_open=True),
    default=60.0,
    show_default=True,
    help="Length of the request-budget window, in seconds.",
)
@click.option(
    "--retry-after",
    type=click.IntRange(min=0),
    default=1,
    show_default=True,
    help="Seconds announced in Retry-After on a 429.",
)
@click.option(
    "--fault-rate",
    type=click.FloatRange(0, 1),
    default=0.0,
    show_default=True,
    help="Probability that a request gets a 500 or 503.",
)
@click.option(
    "--slow-rate",
    type=click.FloatRange(0, 1),
    default=0.0,
    show_default=True,
    help="Probability that a request is answered late.",
)
@click.option(
    "--drop-rate",
    type=click.FloatRange(0, 1),
    default=0.0,
    show_default=True,
    help="Probability that a connection is closed without an answer.",
)
@click.option("--fault-seed", type=int, default=0, show_default=True)
@click.option(
    "--request-log",
    "request_log",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Append every request to this JSONL file (the API key is never written).",
)
def serve(
    world: Path,
    host: str,
    port: int,
    api_key: str,
    request_budget: int | None,
    budget_window: float,
    retry_after: int,
    fault_rate: float,
    slow_rate: float,
    drop_rate: float,
    fault_seed: int,
    request_log: Path | None,
) -> None:
    """Serve the Mirakl seller API of a demo world on loopback."""
    try:
        faults = FaultPlan(
            seed=fault_seed, error_rate=fault_rate, slow_rate=slow_rate, drop_rate=drop_rate
        )
    except ValueError as error:
        raise click.BadParameter(
            str(error), param_hint="--fault-rate/--slow-rate/--drop-rate"
        ) from error
    config = SandboxConfig(
        api_key=api_key,
        request_budget=request_budget,
        budget_window_seconds=budget_window,
        retry_after_seconds=retry_after,
        faults=faults,
        request_log_path=request_log,
        # A long-running server keeps the log on disk, not all of it in memory.
        request_log_max_records=10_000,
    )
    try:
        mirakl = MiraklSandbox.from_world(world, config=config)
    except (FileNotFoundError, WorldDataError) as error:
        raise click.ClickException(str(error)) from error
    with mirakl.serve(host, port) as base_url:
        click.echo(f"Mirakl sandbox for shop {mirakl.state.shop_id} at {base_url}/api")
        click.echo(f"base_url: {base_url}")
        click.echo("Press Ctrl-C to stop.")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            click.echo("Stopped.")
