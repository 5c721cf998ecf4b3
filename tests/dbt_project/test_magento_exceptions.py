"""One world, served once as ERP file exports and once by a Magento store, finds the same drift.

The Magento store runs operations (catalogue, MSI stock, orders, shipments, credit memos);
the ledger and bank deposits still come from the file exports (finance_system = erp_files),
as Magento keeps neither. Both warehouses are built with the real sources over real HTTP
and the real dbt project; the Magento one must raise exactly the exceptions of the file one,
which are exactly the world's ground truth.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from ingestion.mirakl import mirakl_source
from ingestion.pipeline import run_sources
from recon.scoring import score
from recon.transform import run_dbt, transform
from sandbox.erp_demo import serving_erp
from sandbox.mirakl import MiraklSandbox, SandboxConfig
from sandbox.world.generate import generate_world
from sandbox.world.layout import WorldLayout
from tests.conftest import AS_OF, SMALL_SCALE

OPERATIONAL = (
    "items",
    "stock_levels",
    "sales_orders",
    "sales_order_lines",
    "fulfilments",
    "refunds",
)
EXCEPTION_COLUMNS = "exception_type, entity_id, severity, amount_at_risk, deadline_at, status"


def build(root: Path, world: WorldLayout, erp_system: str) -> Path:
    """The world landed through Mirakl and `erp_system` (as `recon demo --erp` serves it)."""
    manifest = world.read_manifest()
    # Not named after the ERP: a DuckDB file name becomes a catalog that would shadow its schema.
    warehouse = root / "recon.duckdb"
    mirakl = MiraklSandbox.from_world(world.root, config=SandboxConfig(api_key="k"))
    with mirakl.serve() as base_url, serving_erp(erp_system, world.root) as erp:
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
def world(tmp_path_factory: pytest.TempPathFactory) -> WorldLayout:
    layout = WorldLayout(tmp_path_factory.mktemp("magento-world") / "world")
    generate_world(layout.root, seed=7, scale=SMALL_SCALE, as_of=AS_OF)
    return layout


@pytest.fixture(scope="module")
def files_warehouse(world: WorldLayout, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("through-files"), world, "erp_files")


@pytest.fixture(scope="module")
def magento_warehouse(world: WorldLayout, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("through-magento"), world, "magento")


def rows(warehouse: Path, sql: str, *parameters) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, list(parameters)).fetchall()


def test_magento_raises_exactly_the_exceptions_the_file_exports_raise(
    files_warehouse: Path, magento_warehouse: Path
) -> None:
    query = f"select {EXCEPTION_COLUMNS} from exceptions order by exception_type, entity_id"
    through_files = rows(files_warehouse, query)
    through_magento = rows(magento_warehouse, query)
    assert through_files, "the world injects drift: there must be exceptions"
    assert through_magento == through_files
    types = {row[0] for row in through_magento}
    # The ERP-side rules are all exercised through Magento.
    assert {
        "stock_mismatch",
        "order_missing_in_erp",
        "premature_erp_order",
        "order_amount_mismatch",
        "fulfilled_not_shipped",
        "carrier_code_unmapped",
        "refund_not_mirrored",
        "stale_source",
        "payout_variance",
    } <= types


def test_through_magento_every_injected_drift_is_found_and_nothing_else(
    world: WorldLayout, magento_warehouse: Path
) -> None:
    scores = score(magento_warehouse, world.truth_path)
    assert scores
    for item in scores:
        assert item.false_negatives == (), f"{item.exception_type} missed"
        assert item.false_positives == (), f"{item.exception_type} raised wrongly"
        assert item.precision == item.recall == 1.0


def test_magento_staging_has_the_canonical_columns_and_types(
    files_warehouse: Path, magento_warehouse: Path
) -> None:
    query = (
        "select column_name, data_type from information_schema.columns "
        "where table_schema = 'staging' and table_name = ? order by ordinal_position"
    )
    for entity in OPERATIONAL:
        canonical = rows(files_warehouse, query, f"stg_erp_files__{entity}")
        assert canonical, entity
        assert rows(magento_warehouse, query, f"stg_magento__{entity}") == canonical, entity


def test_stock_is_derived_to_the_same_available_quantity_and_count_time(
    files_warehouse: Path, magento_warehouse: Path
) -> None:
    query = (
        "select shop_sku, sku, is_mapped_to_erp, expected_quantity, stock_counted_at "
        "from ops.stock_positions order by shop_sku"
    )
    assert rows(magento_warehouse, query) == rows(files_warehouse, query)
    # Σ(on_hand − committed) per SKU is Magento's salable quantity.
    salable = dict(
        rows(magento_warehouse, "select sku, salable_quantity from magento.salable_quantities")
    )
    available = dict(
        rows(
            magento_warehouse,
            "select sku, sum(on_hand - committed) from staging.stg_magento__stock_levels "
            "group by sku",
        )
    )
    assert available == salable


def test_only_the_chosen_erps_staging_is_built(
    files_warehouse: Path, magento_warehouse: Path
) -> None:
    query = (
        "select table_name from information_schema.tables "
        "where table_schema = 'staging' and table_name like ?"
    )
    assert rows(files_warehouse, query, "%magento%") == []
    assert not rows(
        files_warehouse, "select * from information_schema.schemata where schema_name = 'magento'"
    )
    built = {name for (name,) in rows(magento_warehouse, query, "stg_erp_files__%")}
    # The ledger side stays on the file exports.
    assert built == {"stg_erp_files__ledger_entries", "stg_erp_files__bank_deposits"}


def test_stock_count_time_can_be_the_time_the_load_read_it(magento_warehouse: Path) -> None:
    query = "select min(counted_at), max(counted_at) from staging.stg_magento__stock_levels"
    by_product = rows(magento_warehouse, query)[0]
    selector = ["run", "--quiet", "--select", "stg_magento__stock_levels"]
    variables = {"erp_system": "magento", "finance_system": "erp_files"}
    try:
        result, _ = run_dbt(
            magento_warehouse,
            selector,
            as_of=AS_OF,
            extra_vars={**variables, "magento_stock_counted_at": "pulled_at"},
        )
        assert result.success
        read_at = {
            moment
            for (moment,) in rows(
                magento_warehouse,
                "select pulled_at from magento.source_items "
                "union select pulled_at from magento.salable_quantities",
            )
        }
        counted = {
            moment
            for (moment,) in rows(
                magento_warehouse, "select counted_at from staging.stg_magento__stock_levels"
            )
        }
        assert counted <= read_at
        assert min(counted) > by_product[1] + dt.timedelta(days=1)
    finally:
        result, _ = run_dbt(magento_warehouse, selector, as_of=AS_OF, extra_vars=variables)
        assert result.success
    assert rows(magento_warehouse, query)[0] == by_product
