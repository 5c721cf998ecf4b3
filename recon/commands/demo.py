"""`recon demo`: the whole job on the bundled sandbox, from a fresh world to what landed."""

from __future__ import annotations

import secrets
import shutil
from pathlib import Path

import click
from rich.console import Console

from expectations.suites import LANDED
from ingestion.mirakl import mirakl_source
from recon.checks import data_docs_dir
from recon.cli import cli, resolve_warehouse, warehouse_option
from recon.reports import print_scores
from recon.run import EXIT_BREACHED, run_locked
from recon.scoring import score
from recon.settings import DEFAULT_DEMO_WORLD, pipelines_dir
from recon.transform import dbt_paths
from recon.warehouse import run_lock
from sandbox.erp_demo import FILE_CONTRACT, demo_erp_systems, serving_erp
from sandbox.inventory_planner.demo import serving_planning
from sandbox.mirakl import MiraklSandbox, SandboxConfig
from sandbox.world.generate import generate_world

DEMO_MARKER_SUFFIX = ".demo"


def reset_demo_warehouse(warehouse: Path) -> None:
    """Start the demo from scratch, but never over a warehouse the demo did not create."""
    marker = warehouse.with_name(warehouse.name + DEMO_MARKER_SUFFIX)
    if warehouse.exists() and not marker.exists():
        raise click.ClickException(
            f"{warehouse} exists and was not created by the demo; "
            "pass --warehouse PATH to run the demo elsewhere"
        )
    for path in (warehouse, warehouse.with_name(warehouse.name + ".wal")):
        path.unlink(missing_ok=True)
    shutil.rmtree(pipelines_dir(warehouse), ignore_errors=True)
    shutil.rmtree(dbt_paths(warehouse)["target"].parent, ignore_errors=True)
    shutil.rmtree(data_docs_dir(warehouse), ignore_errors=True)
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text("created by `recon demo`; safe to delete\n", encoding="utf-8")


@cli.command()
@warehouse_option
@click.option(
    "--world",
    "world_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_DEMO_WORLD,
    show_default=True,
)
@click.option("--seed", type=int, default=7, show_default=True)
@click.option("--scale", type=float, default=1.0, show_default=True)
@click.option(
    "--erp",
    "erp_system",
    default=FILE_CONTRACT,
    show_default=True,
    envvar="ERP",
    help="Serve the world's ERP side through this ERP's sandbox "
    "(erp_files, or a system with a sandbox in sandbox/).",
)
@click.option(
    "--planning/--no-planning",
    default=True,
    show_default=True,
    help="Also serve the world's planning side through the Inventory Planner sandbox and land "
    "it (forecast velocity for oversell ranking, planning stock drift).",
)
def demo(
    warehouse: Path | None,
    world_dir: Path,
    seed: int,
    scale: float,
    erp_system: str,
    planning: bool,
) -> None:
    """Generate a demo world, serve it from the Mirakl sandbox, land it and find its drift."""
    console = Console()
    if erp_system not in demo_erp_systems():
        raise click.BadParameter(
            f"no ERP sandbox named {erp_system!r}; available: {', '.join(demo_erp_systems())}",
            param_hint="--erp",
        )
    target = resolve_warehouse(warehouse)
    with run_lock(target, "demo"):
        _demo(console, target, world_dir, seed, scale, erp_system, planning)


def _demo(
    console: Console,
    target: Path,
    world_dir: Path,
    seed: int,
    scale: float,
    erp_system: str,
    planning: bool = True,
) -> None:
    reset_demo_warehouse(target)

    console.print(
        f"[bold]Generating[/bold] a demo world in {world_dir} (seed {seed}, scale {scale})"
    )
    manifest = generate_world(world_dir, seed=seed, scale=scale)
    # A throwaway key: the sandbox accepts only it, and it is never printed or stored.
    api_key = secrets.token_urlsafe(24)
    sandbox = MiraklSandbox.from_world(world_dir, config=SandboxConfig(api_key=api_key))
    with (
        sandbox.serve() as base_url,
        serving_erp(erp_system, world_dir) as erp,
        serving_planning(world_dir, planning) as planning_sources,
    ):
        console.print(f"[bold]Serving[/bold] the Mirakl sandbox at {base_url}")
        if erp.erp_system != FILE_CONTRACT:
            console.print(f"[bold]Serving[/bold] the ERP side through the {erp_system} sandbox")
        if planning_sources:
            console.print("[bold]Serving[/bold] the planning side through Inventory Planner")
        # The same run as `recon run`, so the demo warehouse has check results, run history,
        # exception history and alert state. Alerts are kept but never posted: a demo's
        # breaches are not news for anyone's webhook.
        outcome = run_locked(
            target,
            sources=[
                mirakl_source(base_url=base_url, api_key=api_key, shop_id=manifest.shop_id),
                *erp.sources,
                *planning_sources,
            ],
            as_of=manifest.as_of,
            extra_vars={
                "erp_system": erp.erp_system,
                "finance_system": erp.finance_system,
                "planning_system": "inventory_planner" if planning else "none",
            },
            console=console,
            command="demo",
            deliver_alerts=False,
        )
    if outcome.status == "failed":
        raise click.ClickException(f"the demo run failed at {outcome.failed_step}: {outcome.error}")
    print_scores(score(target, world_dir / "truth.csv"), console)
    console.print(
        f"World as of {manifest.as_of:%Y-%m-%d %H:%M} UTC. Query the warehouse: "
        f'duckdb {target} "select * from exceptions"'
    )
    # The demo exists to show business breaches; only broken landed data fails it.
    landed_critical = [r for r in outcome.checks.critical_failed if r.suite == LANDED]
    if landed_critical:
        raise click.exceptions.Exit(EXIT_BREACHED)
