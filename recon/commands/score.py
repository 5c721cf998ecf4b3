"""`recon score`: precision and recall of the open exceptions against a world's ground truth."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console

from recon.cli import cli, resolve_warehouse, warehouse_option
from recon.reports import print_scores
from recon.scoring import score


@cli.command("score")
@warehouse_option
@click.option(
    "--truth",
    "truth_path",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    required=True,
    help="A world's truth.csv (exception_type,entity_id).",
)
def score_command(warehouse: Path | None, truth_path: Path) -> None:
    """Print precision and recall per exception type; exit 1 when any falls short of 1.0."""
    scores = score(resolve_warehouse(warehouse), truth_path)
    print_scores(scores, Console())
    if any(item.precision < 1 or item.recall < 1 for item in scores):
        raise SystemExit(1)
