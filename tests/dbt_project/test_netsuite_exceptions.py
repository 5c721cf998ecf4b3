"""One world, two ERPs: served as files or through NetSuite, it yields the same exceptions.

The world's ERP side (finance included) goes once through the ERP file contract and once
through the NetSuite sandbox's SuiteQL API, each into its own warehouse built by the real dbt
project; the drift rules must not notice which ERP fed them.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from ingestion.mirakl import mirakl_source
from ingestion.pipeline import run_sources
from recon.scoring import score
from recon.transform import transform
from sandbox.erp_demo import serving_erp
from sandbox.mirakl import MiraklSandbox, SandboxConfig
from sandbox.world.generate import generate_world
from sandbox.world.layout import WorldLayout
from tests.conftest import AS_OF, SMALL_SCALE

CANONICAL = (
    "items",
    "stock_levels",
    "sales_orders",
    "sales_order_lines",
    "fulfilments",
    "refunds",
    "ledger_entries",
    "bank_deposits",
)
COMPARED = "exception_type, entity_id, severity, amount_at_risk, deadline_at, status"


def _build(world: WorldLayout, erp_system: str, warehouse: Path) -> Path:
    manifest = world.read_manifest()
    mirakl = MiraklSandbox.from_world(world.root, config=SandboxConfig(api_key="k"))
    with mirakl.serve() as base_url, serving_erp(erp_system, world.root) as erp:
        assert (erp.erp_system, erp.finance_system) == (erp_system, erp_system)
        run_sources(
            warehouse,
            [mirakl_source(base_url=base_url, api_key="k", shop_id=manifest.shop_id), *erp.sources],
        )
    transform(
        warehouse,
        as_of=manifest.as_of,
        extra_vars={"erp_system": erp.erp_system, "finance_system": erp.finance_system},
    )
    return warehouse


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[WorldLayout, Path, Path]:
    root = tmp_path_factory.mktemp("netsuite-vs-files")
    world = WorldLayout(root / "world")
    generate_world(world.root, seed=7, scale=SMALL_SCALE, as_of=AS_OF)
    files = _build(world, "erp_files", root / "served_as_files.duckdb")
    netsuite = _build(world, "netsuite", root / "served_by_netsuite.duckdb")
    return world, files, netsuite


def _rows(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_the_same_world_yields_the_same_exceptions_through_netsuite(built):
    _, files, netsuite = built
    query = f"select {COMPARED} from exceptions order by exception_type, entity_id"
    from_files, from_netsuite = _rows(files, query), _rows(netsuite, query)
    assert len(from_files) > 10
    assert {row[0] for row in from_netsuite} >= {"stale_source", "payout_variance"}
    assert from_netsuite == from_files


def test_netsuite_finds_every_injected_drift_and_nothing_else(built):
    world, _, netsuite = built
    for item in score(netsuite, world.truth_path):
        assert item.false_negatives == (), f"{item.exception_type} missed"
        assert item.false_positives == (), f"{item.exception_type} raised wrongly"
        assert item.precision == item.recall == 1.0


def test_the_canonical_erp_layer_has_the_same_columns_and_types(built):
    _, files, netsuite = built
    query = (
        "select table_name, column_name, data_type from information_schema.columns "
        "where table_name like 'int_erp__%' order by table_name, ordinal_position"
    )
    assert _rows(netsuite, query) == _rows(files, query)
    assert {row[0] for row in _rows(netsuite, query)} == {f"int_erp__{e}" for e in CANONICAL}


def test_ledger_and_deposits_come_from_netsuite_not_from_files(built):
    _, _, netsuite = built
    schemas = {
        row[0] for row in _rows(netsuite, "select schema_name from information_schema.schemata")
    }
    assert "erp_files" not in schemas
    landed = dict(
        _rows(
            netsuite,
            "select 'ledger', count(*) from netsuite.ledger_entries "
            "union all select 'deposits', count(*) from netsuite.deposits",
        )
    )
    canonical = dict(
        _rows(
            netsuite,
            "select 'ledger', count(*) from intermediate.int_erp__ledger_entries "
            "union all select 'deposits', count(*) from intermediate.int_erp__bank_deposits",
        )
    )
    assert landed["ledger"] == canonical["ledger"] > 0
    assert landed["deposits"] == canonical["deposits"] > 0
