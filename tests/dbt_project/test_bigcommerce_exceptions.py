"""One world served as file exports and through BigCommerce yields the same exceptions.

The small demo world (seed 7, scale 0.15) is built twice with the real sources and the real
dbt project: once with the ERP file contract, once with BigCommerce as the ERP (its ledger and
bank deposits still from the files, as BigCommerce keeps none).
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
from sandbox.world.layout import WorldLayout
from tests.dbt_project.test_drift_models import build_warehouse

SEED = 7
ENTITIES = ("items", "stock_levels", "sales_orders", "sales_order_lines", "fulfilments", "refunds")
EXCEPTION_ROWS = (
    "select exception_type, entity_id, severity, amount_at_risk, deadline_at, status "
    "from exceptions order by exception_type, entity_id"
)


def build_through_bigcommerce(layout: WorldLayout, warehouse: Path) -> None:
    manifest = layout.read_manifest()
    sandbox = MiraklSandbox.from_world(layout.root, config=SandboxConfig(api_key="k"))
    with sandbox.serve() as base_url, serving_erp("bigcommerce", layout.root) as erp:
        run_sources(
            warehouse,
            [mirakl_source(base_url=base_url, api_key="k", shop_id=manifest.shop_id), *erp.sources],
        )
    assert (erp.erp_system, erp.finance_system) == ("bigcommerce", "erp_files")
    transform(
        warehouse,
        as_of=manifest.as_of,
        extra_vars={"erp_system": erp.erp_system, "finance_system": erp.finance_system},
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[WorldLayout, Path, Path]:
    root = tmp_path_factory.mktemp("bigcommerce-vs-files")
    layout, files_warehouse = build_warehouse(root, SEED)
    bigcommerce_warehouse = root / "through_bigcommerce.duckdb"
    build_through_bigcommerce(layout, bigcommerce_warehouse)
    return layout, files_warehouse, bigcommerce_warehouse


def _rows(warehouse: Path, sql: str, *params):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


def test_the_same_world_yields_the_same_exceptions_through_either_erp(built):
    _, files, bigcommerce = built
    through_files = _rows(files, EXCEPTION_ROWS)
    through_bigcommerce = _rows(bigcommerce, EXCEPTION_ROWS)
    assert through_files, "the world injects drift: there must be exceptions"
    assert through_bigcommerce == through_files


def test_through_bigcommerce_every_injected_drift_is_found_and_nothing_else(built):
    layout, _, bigcommerce = built
    scores = score(bigcommerce, layout.truth_path)
    assert scores
    for item in scores:
        assert item.false_negatives == (), f"{item.exception_type} missed"
        assert item.false_positives == (), f"{item.exception_type} raised wrongly"
        assert item.precision == item.recall == 1.0


def test_bigcommerce_staging_has_the_file_contracts_columns_and_types(built):
    _, files, bigcommerce = built
    sql = (
        "select column_name, data_type from information_schema.columns "
        "where table_schema = 'staging' and table_name = ? order by ordinal_position"
    )
    for entity in ENTITIES:
        expected = _rows(files, sql, f"stg_erp_files__{entity}")
        assert expected, entity
        assert _rows(bigcommerce, sql, f"stg_bigcommerce__{entity}") == expected, entity


def test_only_the_chosen_erps_staging_is_built(built):
    _, files, bigcommerce = built
    sql = "select table_name from information_schema.tables where table_schema = 'staging'"
    in_files = {name for (name,) in _rows(files, sql)}
    in_bigcommerce = {name for (name,) in _rows(bigcommerce, sql)}
    assert not {name for name in in_files if "bigcommerce" in name}
    assert {f"stg_bigcommerce__{entity}" for entity in ENTITIES} <= in_bigcommerce
    # BigCommerce keeps no ledger: those two still come from the files.
    assert {name for name in in_bigcommerce if name.startswith("stg_erp_files__")} == {
        "stg_erp_files__ledger_entries",
        "stg_erp_files__bank_deposits",
    }


def test_seller_mode_builds_no_operator_model(built):
    _, files, bigcommerce = built
    sql = (
        "select table_schema, table_name from information_schema.tables "
        "where table_schema = 'operator' or table_name like '%operator%' "
        "or table_name like '%storefront%'"
    )
    assert _rows(files, sql) == _rows(bigcommerce, sql) == []
