"""A demo world reviewed 90 minutes after its snapshot, landed and built once per test session.

Every test gets its own copy of the built warehouse and a fresh Mirakl sandbox on the same
world, so each one starts from the same Mirakl state and can change it freely.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from ingestion.erp_files import erp_files_source
from ingestion.mirakl import mirakl_source
from recon.run import run_pipeline
from recon.settings import pipelines_dir
from sandbox.http import FaultInjector, FaultPlan, RequestRecord
from sandbox.mirakl import MiraklSandbox, SandboxConfig
from sandbox.world.generate import generate_world
from sandbox.world.layout import WorldLayout
from tests.conftest import AS_OF, SMALL_SCALE
from writeback.settings import MiraklConnection, WritebackSettings
from writeback.store import CorrectionRow

# Seed 11 holds every case: orders to accept (the ERP holds them, stock covers them) and to
# route, parcels with mapped and unmapped carriers, a refund Mirakl takes and one on a CLOSED
# order it refuses, and stock to set.
SEED = 11
API_KEY = "sk-writeback-test-5f1c0a"
# Ops reviews the queue 90 minutes after the world's snapshot, so the order the ERP imported
# early is by then overdue for acceptance. The sandbox clock starts at the world's as_of.
REVIEW_DELAY = dt.timedelta(minutes=90)
WRITES = frozenset({"POST", "PUT"})


def fast_settings(**overrides) -> WritebackSettings:
    """Mirakl's call spacing switched off and short waits, for tests on a loopback sandbox."""
    values = {
        "min_interval_seconds": {op: 0.0 for op in ("STO01", "STO02", "STO03", "OR11")},
        "in_doubt_grace_seconds": 2.0,
        "retry_backoff_seconds": 0.05,
        "request_timeout": 5.0,
        "max_wait_seconds": 60.0,
    }
    values.update(overrides)
    return WritebackSettings(**values)


@dataclass
class BuiltWorld:
    layout: WorldLayout
    shop_id: int
    warehouse: Path


@pytest.fixture(scope="session")
def built_world(tmp_path_factory: pytest.TempPathFactory) -> BuiltWorld:
    root = tmp_path_factory.mktemp("writeback-world")
    layout = WorldLayout(root / "world")
    manifest = generate_world(layout.root, seed=SEED, scale=SMALL_SCALE, as_of=AS_OF)
    warehouse = root / "built" / "recon.duckdb"
    warehouse.parent.mkdir()
    live = LiveWorld(layout, manifest.shop_id, warehouse, _sandbox(layout))
    with live.serving():
        live.run()
    return BuiltWorld(layout, manifest.shop_id, warehouse)


def _sandbox(layout: WorldLayout, **config) -> MiraklSandbox:
    config.setdefault("api_key", API_KEY)
    # Stock imports finish a second after STO01, polled or not.
    config.setdefault("stock_import_seconds_until_complete", 1.0)
    return MiraklSandbox.from_world(layout.root, config=SandboxConfig(**config))


@dataclass
class LiveWorld:
    """A copy of the built warehouse, and a fresh sandbox on its world."""

    layout: WorldLayout
    shop_id: int
    warehouse: Path
    sandbox: MiraklSandbox
    base_url: str | None = None

    @contextmanager
    def serving(self) -> Iterator[LiveWorld]:
        with self.sandbox.serve() as base_url:
            self.base_url = base_url
            yield self

    def connection(self, api_key: str = API_KEY) -> MiraklConnection:
        assert self.base_url, "serve the sandbox first"
        return MiraklConnection(self.base_url, api_key, self.shop_id)

    def review_time(self) -> dt.datetime:
        return self.sandbox.now() + REVIEW_DELAY

    def run(self) -> dt.datetime:
        """One pipeline run (`recon run`): land Mirakl and the ERP, build, check, as of now."""
        as_of = max(self.review_time(), self._last_run() + dt.timedelta(seconds=1))
        outcome = run_pipeline(
            self.warehouse,
            sources=[
                mirakl_source(base_url=self.base_url, api_key=API_KEY, shop_id=self.shop_id),
                erp_files_source(path=str(self.layout.erp_dir)),
            ],
            as_of=as_of,
            deliver_alerts=False,
        )
        # A breached expectation is a finding, not a failed run: the exceptions are built.
        assert outcome.status in ("succeeded", "breached"), outcome.error
        return as_of

    def _last_run(self) -> dt.datetime:
        # A fresh sandbox's clock starts at the world's as_of again; a run is never evaluated
        # before the previous one (the warehouse was built with another sandbox).
        if not self.warehouse.exists():
            return dt.datetime.min.replace(tzinfo=dt.UTC)
        try:
            with duckdb.connect(str(self.warehouse), read_only=True) as con:
                (last,) = con.execute("select max(detected_at) from exceptions").fetchone()
        except duckdb.CatalogException:
            last = None
        return last or dt.datetime.min.replace(tzinfo=dt.UTC)

    def writes(self) -> list[RequestRecord]:
        """The write requests Mirakl handled: not dropped, failed by a fault, or throttled."""
        return [
            record
            for record in self.sandbox.request_log
            if record.method in WRITES and handled(record)
        ]

    def deliveries(self, correction: CorrectionRow) -> dict[str, int]:
        """How many times Mirakl handled each request of a correction, by its request log."""
        return {
            request["operation"]: sum(1 for record in self.writes() if _carries(record, request))
            for request in correction.requests
        }

    def cli_env(self, **extra: str) -> dict[str, str]:
        """The environment `recon writeback` reads: Mirakl from [sources.mirakl], fast spacing."""
        env = {
            "SOURCES__MIRAKL__BASE_URL": str(self.base_url),
            "SOURCES__MIRAKL__API_KEY": API_KEY,
            "SOURCES__MIRAKL__SHOP_ID": str(self.shop_id),
            "WRITEBACK__IN_DOUBT_GRACE_SECONDS": "3",
            "WRITEBACK__RETRY_BACKOFF_SECONDS": "0.05",
            "WRITEBACK__MAX_WAIT_SECONDS": "60",
            "RECON_WAREHOUSE": str(self.warehouse),
            "COLUMNS": "200",
        }
        for operation in ("sto01", "sto02", "sto03", "or11"):
            env[f"WRITEBACK__MIN_INTERVAL_SECONDS__{operation.upper()}"] = "0"
        env.update(extra)
        return env

    def trouble_writes(self, **plan) -> None:
        """From now on, faults on writes only (reads go through)."""
        self.sandbox.app.faults = FaultInjector(FaultPlan(methods=WRITES, **plan))


def handled(record: RequestRecord) -> bool:
    # 401/403/429 are turned away before Mirakl processes anything.
    return record.status not in (None, 401, 403, 429) and record.fault != "error"


def _carries(record: RequestRecord, request: dict) -> bool:
    body = (record.body or b"").decode("utf-8", "replace")
    if request["operation"] == "STO01":
        sku = request["row"]["offer-sku"]
        return record.path == "/api/offers/stock/imports" and f'"{sku}";' in body
    if request["operation"] == "OR28":
        lines = [entry["order_line_id"] for entry in request["body"]["refunds"]]
        return record.path == "/api/orders/refund" and all(f'"{i}"' in body for i in lines)
    return record.method == request["method"] and record.path == "/api" + request["path"]


@pytest.fixture
def live_world(built_world: BuiltWorld, tmp_path: Path) -> Callable[..., LiveWorld]:
    """Start a LiveWorld; keyword arguments go to the sandbox's SandboxConfig."""

    def start(**config) -> LiveWorld:
        warehouse = tmp_path / "recon.duckdb"
        shutil.copyfile(built_world.warehouse, warehouse)
        shutil.copytree(pipelines_dir(built_world.warehouse), pipelines_dir(warehouse))
        return LiveWorld(
            built_world.layout,
            built_world.shop_id,
            warehouse,
            _sandbox(built_world.layout, **config),
        )

    return start
