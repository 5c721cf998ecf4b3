"""One world, two ERPs: the drift models find the same exceptions whether the ERP side arrives
as files or through Business Central's API, because the Business Central staging models map
BC's records into exactly the canonical shapes the rules read.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from ingestion.mirakl import mirakl_source
from ingestion.pipeline import run_sources
from recon.scoring import score
from recon.transform import dbt_paths, run_dbt, transform
from sandbox.erp_demo import serving_erp
from sandbox.mirakl import MiraklSandbox, SandboxConfig
from sandbox.world.layout import WorldLayout
from tests.dbt_project.test_drift_models import build_warehouse

SEED = 7
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
EXCEPTION_COLUMNS = "exception_type, entity_id, severity, amount_at_risk, deadline_at, status"


def build_through_business_central(layout: WorldLayout, warehouse: Path) -> None:
    """The world's Mirakl side from the Mirakl sandbox, its ERP side from the BC sandbox."""
    manifest = layout.read_manifest()
    mirakl = MiraklSandbox.from_world(layout.root, config=SandboxConfig(api_key="k"))
    with mirakl.serve() as base_url, serving_erp("business_central", layout.root) as erp:
        assert (erp.erp_system, erp.finance_system) == ("business_central", "business_central")
        run_sources(
            warehouse,
            [mirakl_source(base_url=base_url, api_key="k", shop_id=manifest.shop_id), *erp.sources],
        )
    transform(
        warehouse,
        as_of=manifest.as_of,
        extra_vars={"erp_system": erp.erp_system, "finance_system": erp.finance_system},
    )


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> tuple[WorldLayout, Path, Path]:
    """The seed-7 world (scale 0.15) built through the file contract and through BC."""
    layout, through_files = build_warehouse(tmp_path_factory.mktemp("files"), SEED)
    through_bc = tmp_path_factory.mktemp("business_central") / "recon.duckdb"
    build_through_business_central(layout, through_bc)
    return layout, through_files, through_bc


def _rows(warehouse: Path, sql: str, *params: object) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


def test_the_same_world_yields_the_same_exceptions_through_either_erp(both) -> None:
    _, through_files, through_bc = both
    query = f"select {EXCEPTION_COLUMNS} from main.exceptions"
    from_files = sorted(_rows(through_files, query), key=repr)
    from_bc = sorted(_rows(through_bc, query), key=repr)
    assert from_files, "the world must raise exceptions"
    assert from_bc == from_files
    kinds = {row[0] for row in from_bc}
    # The rules that read every canonical ERP entity are among them.
    assert {
        "stock_mismatch",
        "order_amount_mismatch",
        "fulfilled_not_shipped",
        "carrier_code_unmapped",
        "refund_not_mirrored",
        "payout_variance",
        "stale_source",
        "unmapped_offer",
    } <= kinds


def test_business_central_finds_every_injected_drift_and_nothing_else(both) -> None:
    layout, _, through_bc = both
    for item in score(through_bc, layout.truth_path):
        assert item.false_negatives == (), f"{item.exception_type} missed"
        assert item.false_positives == (), f"{item.exception_type} raised wrongly"
        assert item.precision == item.recall == 1.0


def _staging_columns(warehouse: Path, system: str) -> dict[str, list[tuple[str, str]]]:
    rows = _rows(
        warehouse,
        "select table_name, column_name, data_type from information_schema.columns "
        "where table_schema = 'staging' and table_name like ? "
        "order by table_name, ordinal_position",
        f"stg_{system}__%",
    )
    columns: dict[str, list[tuple[str, str]]] = {}
    for table, name, kind in rows:
        columns.setdefault(table.split("__", 1)[1], []).append((name, kind))
    return columns


def test_business_central_staging_has_the_canonical_columns_and_types(both) -> None:
    _, through_files, through_bc = both
    files = _staging_columns(through_files, "erp_files")
    bc = _staging_columns(through_bc, "business_central")
    assert set(files) == set(bc) == set(CANONICAL)
    for entity in CANONICAL:
        assert bc[entity] == files[entity], entity


def test_only_the_chosen_erp_s_staging_is_built(both) -> None:
    _, through_files, through_bc = both
    views = "select table_name from information_schema.tables where table_schema = 'staging'"
    built_with_files = {name for (name,) in _rows(through_files, views)}
    built_with_bc = {name for (name,) in _rows(through_bc, views)}
    assert not {n for n in built_with_files if "business_central" in n}
    assert not {n for n in built_with_bc if "erp_files" in n}


@pytest.mark.parametrize(
    ("erp_system", "finance_system", "expected"),
    [
        ("erp_files", "erp_files", set()),
        (
            "business_central",
            "business_central",
            {f"stg_business_central__{entity}" for entity in CANONICAL},
        ),
        (
            "business_central",
            "erp_files",
            {
                f"stg_business_central__{entity}"
                for entity in CANONICAL
                if entity not in ("ledger_entries", "bank_deposits")
            },
        ),
        (
            "erp_files",
            "business_central",
            {"stg_business_central__ledger_entries", "stg_business_central__bank_deposits"},
        ),
    ],
)
def test_erp_and_finance_system_choose_which_models_are_enabled(
    tmp_path: Path, erp_system: str, finance_system: str, expected: set[str]
) -> None:
    result, _ = run_dbt(
        tmp_path / "recon.duckdb",
        ["ls", "--resource-type", "model", "--output", "name", "--quiet"],
        extra_vars={"erp_system": erp_system, "finance_system": finance_system},
    )
    assert result.success, result.exception
    names = {str(name).rsplit(".", 1)[-1] for name in result.result}
    assert {n for n in names if n.startswith("stg_business_central__")} == expected
    base = {n for n in names if n.startswith("base_business_central__")}
    finance_base = {
        "base_business_central__general_ledger_entries",
        "base_business_central__general_ledger_dimensions",
        "base_business_central__accounts",
        "base_business_central__company_information",
    }
    assert (finance_base <= base) == (finance_system == "business_central")
    assert bool(base - finance_base) == (erp_system == "business_central")


def test_every_business_central_model_and_column_is_documented(both) -> None:
    layout, _, through_bc = both
    result, _ = run_dbt(
        through_bc,
        ["docs", "generate", "--quiet"],
        as_of=layout.read_manifest().as_of,
        extra_vars={"erp_system": "business_central", "finance_system": "business_central"},
    )
    assert result.success, result.exception
    target = dbt_paths(through_bc)["target"]
    catalog = json.loads((target / "catalog.json").read_text())
    manifest = json.loads((target / "manifest.json").read_text())
    models = [
        node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and "business_central__" in node["name"]
    ]
    assert len(models) == len(CANONICAL) + 14
    for model in models:
        assert model["description"], f"{model['name']} has no description"
        for column in catalog["nodes"][model["unique_id"]]["columns"]:
            documented = model["columns"].get(column, {}).get("description")
            assert documented, f"{model['name']}.{column} has no description"
