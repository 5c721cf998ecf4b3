"""Run the sources into the warehouse: one dlt pipeline per source, one DuckDB file for all."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import dlt
import duckdb
from dlt.common.runtime.collector import Collector
from dlt.extract.source import DltSource

from recon.settings import pipelines_dir

QUARANTINE = "quarantine"


@dataclass(frozen=True)
class SourceRun:
    """What one source landed: rows this run and in total per table, and rows quarantined."""

    source: str
    dataset: str
    rows_loaded: dict[str, int]
    rows_total: dict[str, int]
    quarantined: int


@dataclass
class IngestReport:
    warehouse: Path
    runs: list[SourceRun] = field(default_factory=list)

    @property
    def quarantined(self) -> int:
        return sum(run.quarantined for run in self.runs)


def configured_sources(names: Sequence[str]) -> list[DltSource]:
    """The named sources, configured from .dlt/config.toml, secrets and environment variables.

    A source named `x` is the `x_source` function of the package `ingestion.x`.
    """
    unknown = [name for name in names if _source_factory(name) is None]
    if unknown:
        raise ValueError(
            f"unknown source(s) {', '.join(unknown)}; known: {', '.join(known_sources())}"
        )
    return [_source_factory(name)() for name in names]


def known_sources() -> list[str]:
    package = Path(__file__).parent
    return sorted(
        child.name
        for child in package.iterdir()
        if (child / "__init__.py").exists() and _source_factory(child.name) is not None
    )


def _source_factory(name: str) -> Callable[[], DltSource] | None:
    if not name.isidentifier():
        return None
    try:
        module = importlib.import_module(f"ingestion.{name}")
    except ModuleNotFoundError:
        return None
    return getattr(module, f"{name}_source", None)


def pipeline_for(warehouse: Path, source_name: str, progress: Collector | str | None = None):
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    return dlt.pipeline(
        pipeline_name=source_name,
        destination=dlt.destinations.duckdb(str(warehouse)),
        dataset_name=source_name,
        pipelines_dir=str(pipelines_dir(warehouse)),
        progress=progress,
    )


def default_progress() -> Collector | str:
    # A live bar for people at a terminal; periodic log lines for schedulers and CI.
    if sys.stderr.isatty():
        return dlt.progress.tqdm(colour="green")
    return dlt.progress.log(log_period=10.0, logger=None, dump_system_stats=False)


def run_sources(
    warehouse: Path,
    sources: Sequence[DltSource],
    *,
    progress: Collector | str | None = None,
    on_source: Callable[[str], None] | None = None,
) -> IngestReport:
    """Load each source into its own dataset of the warehouse; stop at the first failure."""
    report = IngestReport(warehouse=warehouse)
    for source in sources:
        if on_source:
            on_source(source.name)
        pipeline = pipeline_for(warehouse, source.name, progress)
        pipeline.run(source)
        _after_load(source.name, pipeline)
        loaded = {
            table: count
            for table, count in pipeline.last_trace.last_normalize_info.row_counts.items()
            if not table.startswith("_dlt")
        }
        totals = table_counts(warehouse, pipeline.dataset_name)
        report.runs.append(
            SourceRun(
                source=source.name,
                dataset=pipeline.dataset_name,
                rows_loaded=loaded,
                rows_total={t: n for t, n in totals.items() if t != QUARANTINE},
                quarantined=totals.get(QUARANTINE, 0),
            )
        )
    return report


def _after_load(source_name: str, pipeline: dlt.Pipeline) -> None:
    """Run the source's own upkeep after a load, when its package defines `after_load`."""
    try:
        package = importlib.import_module(f"ingestion.{source_name}")
    except ModuleNotFoundError:
        return
    upkeep = getattr(package, "after_load", None)
    if upkeep is not None:
        upkeep(pipeline)


def table_counts(warehouse: Path, dataset: str) -> dict[str, int]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = [
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables "
                "where table_schema = ? and table_name not like '\\_dlt%' escape '\\' "
                "order by table_name",
                [dataset],
            ).fetchall()
        ]
        return {
            table: con.execute(f'select count(*) from "{dataset}"."{table}"').fetchone()[0]
            for table in tables
        }
