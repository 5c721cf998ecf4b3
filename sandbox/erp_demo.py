"""Serve the demo world's ERP side through any ERP: the file contract or an ERP's sandbox.

An ERP sandbox package `sandbox.<system>` offers `serve_demo_source(world_dir)`, a context
manager that serves the world's ERP records through that system's API with throwaway
credentials and yields the dlt source (from `ingestion.<system>`) configured against it.
A system that keeps no general ledger (no ledger staging in the dbt project, see
`recon.settings.ledger_systems`) takes its finance side from the file contract, as a
configured run would: the demo then lands the world's ledger and bank deposit files beside it.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from dlt.extract.source import DltSource

from recon.settings import default_finance_system

FILE_CONTRACT = "erp_files"


@dataclass(frozen=True)
class ServedErp:
    erp_system: str
    finance_system: str
    sources: list[DltSource]


def demo_erp_systems() -> list[str]:
    """Every ERP the demo world can be served through."""
    package = Path(__file__).parent
    systems = [
        child.name
        for child in sorted(package.iterdir())
        if (child / "__init__.py").exists() and _module(child.name) is not None
    ]
    return [FILE_CONTRACT, *systems]


def _module(system: str):
    try:
        module = importlib.import_module(f"sandbox.{system}")
    except ModuleNotFoundError:
        return None
    return module if hasattr(module, "serve_demo_source") else None


@contextmanager
def serving_erp(system: str, world_dir: Path) -> Iterator[ServedErp]:
    """The dlt sources that land the world's ERP side through `system`, served while open."""
    from ingestion.erp_files import erp_files_source

    files = erp_files_source(path=str(world_dir / "erp"))
    if system == FILE_CONTRACT:
        yield ServedErp(FILE_CONTRACT, FILE_CONTRACT, [files])
        return
    module = _module(system)
    if module is None:
        raise ValueError(
            f"no ERP sandbox named {system!r}; available: {', '.join(demo_erp_systems())}"
        )
    finance = default_finance_system(system)
    with module.serve_demo_source(world_dir) as source:
        sources = [source] + ([files] if finance == FILE_CONTRACT else [])
        yield ServedErp(system, finance, sources)
