"""`recon sandbox generate`: write a deterministic demo world with known drift."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from recon.cli import sandbox
from recon.settings import DEFAULT_DEMO_WORLD
from sandbox.jsonio import parse_timestamp
from sandbox.world.generate import generate_world
from sandbox.world.layout import WorldLayout
from sandbox.world.truth import read_truth


def parse_as_of(value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    try:
        return parse_timestamp(value)
    except ValueError as error:
        raise click.BadParameter(f"{value!r} is not an ISO 8601 timestamp") from error


@sandbox.command("generate")
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_DEMO_WORLD,
    show_default=True,
    help="World directory to write.",
)
@click.option("--seed", type=int, default=7, show_default=True)
@click.option(
    "--scale",
    type=float,
    default=1.0,
    show_default=True,
    help="1.0 is about 400 SKUs and 1,200 orders over eight weeks.",
)
@click.option(
    "--as-of",
    "as_of",
    default=None,
    help="The world's evaluation time (ISO 8601, UTC if no offset); default now.",
)
def generate(out: Path, seed: int, scale: float, as_of: str | None) -> None:
    """Generate a demo world: Mirakl collections, ERP exports and the ground truth."""
    manifest = generate_world(out, seed=seed, scale=scale, as_of=parse_as_of(as_of))
    console = Console()
    truth = Counter(kind for kind, _ in read_truth(WorldLayout(out).truth_path))
    as_of_text = f"{manifest.as_of:%Y-%m-%d %H:%M}Z"
    table = Table(title=f"Demo world {out} (seed {seed}, scale {scale}, as of {as_of_text})")
    table.add_column("injected drift")
    table.add_column("cases", justify="right")
    for kind, count in sorted(truth.items()):
        table.add_row(kind, str(count))
    console.print(table)
