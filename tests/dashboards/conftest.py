"""A demo warehouse as a working business leaves it, for the dashboard's tests.

Two pipeline runs (an hour apart, so the trend has two points) through the real sources and
sandbox, dbt build, expectation checks and the run history, then a writeback plan. Built once
per test worker; each test module works on its own copy, since some approve corrections or run
the pipeline again.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb
import pytest

from ingestion.erp_files import erp_files_source
from ingestion.mirakl import mirakl_source
from recon.run import RunOutcome, run_pipeline
from recon.warehouse import snapshot_path
from sandbox.mirakl import MiraklSandbox, SandboxConfig
from sandbox.world.generate import generate_world
from sandbox.world.layout import WorldLayout
from tests.conftest import AS_OF, SMALL_SCALE
from tests.dashboards.browser import ARTIFACTS_ENV, CHROMIUM_ARGS, chromium
from writeback.runs import plan

APP = Path(__file__).resolve().parents[2] / "dashboards" / "app.py"
FIRST_RUN_AS_OF = AS_OF - dt.timedelta(hours=1)


@dataclass(frozen=True)
class DemoWarehouse:
    root: Path
    world: WorldLayout
    warehouse: Path
    shop_id: int

    @property
    def snapshot(self) -> Path:
        return snapshot_path(self.warehouse)

    def rows(self, sql: str, *params: object) -> list[tuple]:
        """What the published snapshot says (what the dashboard must show)."""
        with duckdb.connect(str(self.snapshot), read_only=True) as con:
            return con.execute(sql, list(params)).fetchall()

    def one(self, sql: str, *params: object) -> tuple:
        return self.rows(sql, *params)[0]

    def run_pipeline(self, as_of: dt.datetime) -> RunOutcome:
        """One real pipeline run against the world's sandbox (ingest, build, check, publish)."""
        sandbox = MiraklSandbox.from_world(self.world.root, config=SandboxConfig(api_key="k"))
        with sandbox.serve() as base_url:
            return run_pipeline(
                self.warehouse,
                sources=[
                    mirakl_source(base_url=base_url, api_key="k", shop_id=self.shop_id),
                    erp_files_source(path=str(self.world.erp_dir)),
                ],
                as_of=as_of,
                deliver_alerts=False,
            )

    def copy_to(self, root: Path) -> DemoWarehouse:
        shutil.copytree(self.root, root, dirs_exist_ok=True)
        return DemoWarehouse(
            root=root,
            world=WorldLayout(root / "world"),
            warehouse=root / "warehouse" / self.warehouse.name,
            shop_id=self.shop_id,
        )


def money(amount: Decimal, currency: str) -> str:
    """How a person reads an amount: 1,234.50 EUR."""
    return f"{amount.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,} {currency}"


def build_demo(root: Path) -> DemoWarehouse:
    manifest = generate_world(root / "world", seed=7, scale=SMALL_SCALE, as_of=AS_OF)
    demo = DemoWarehouse(
        root=root,
        world=WorldLayout(root / "world"),
        warehouse=root / "warehouse" / "recon.duckdb",
        shop_id=manifest.shop_id,
    )
    for as_of in (FIRST_RUN_AS_OF, AS_OF):
        outcome = demo.run_pipeline(as_of)
        assert outcome.failed_step is None, outcome.error
    plan(demo.warehouse)
    return demo


@pytest.fixture(scope="session")
def demo_base(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> DemoWarehouse:
    """Built once per test session, shared by the xdist workers (the first one builds it)."""
    session_root = tmp_path_factory.getbasetemp()
    if worker_id != "master":
        session_root = session_root.parent
    root = session_root / "dashboard-demo"
    with (session_root / "dashboard-demo.lock").open("a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if (root / "built").exists():
                shop_id = int((root / "built").read_text())
                return DemoWarehouse(
                    root=root,
                    world=WorldLayout(root / "world"),
                    warehouse=root / "warehouse" / "recon.duckdb",
                    shop_id=shop_id,
                )
            shutil.rmtree(root, ignore_errors=True)
            demo = build_demo(root)
            (root / "built").write_text(str(demo.shop_id))
            return demo
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@pytest.fixture(scope="module")
def demo(demo_base: DemoWarehouse, tmp_path_factory: pytest.TempPathFactory) -> DemoWarehouse:
    """This module's own copy of the demo warehouse."""
    return demo_base.copy_to(tmp_path_factory.mktemp("dashboard-copy"))


@pytest.fixture
def reading_env(demo: DemoWarehouse, monkeypatch: pytest.MonkeyPatch) -> Iterator[DemoWarehouse]:
    """The app finds its warehouse through RECON_WAREHOUSE, as `recon dashboard` sets it."""
    monkeypatch.setenv("RECON_WAREHOUSE", str(demo.warehouse))
    yield demo


@pytest.fixture(scope="module")
def artifacts(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Screenshots and server logs of one test module, in $RECON_TEST_ARTIFACTS when set."""
    chosen = os.environ.get(ARTIFACTS_ENV)
    base = Path(chosen) if chosen else tmp_path_factory.mktemp("dashboard-artifacts")
    folder = base / request.module.__name__.rsplit(".", 1)[-1]
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


@pytest.fixture(scope="module")
def browser():
    """Debian's chromium under Playwright (installed first when it can be)."""
    from playwright.sync_api import sync_playwright

    executable = chromium()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(executable), args=CHROMIUM_ARGS)
        yield launched
        launched.close()
