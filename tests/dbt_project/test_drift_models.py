"""The drift models: every drift is raised, no look-alike is, and history survives reruns."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from ingestion.erp_files import erp_files_source
from ingestion.mirakl import mirakl_source
from ingestion.pipeline import run_sources
from recon.scoring import open_exceptions, score
from recon.transform import transform
from sandbox.mirakl import MiraklSandbox, SandboxConfig
from sandbox.world.generate import generate_world
from sandbox.world.layout import WorldLayout
from sandbox.world.truth import read_lookalikes
from tests.conftest import AS_OF, SMALL_SCALE


def build_warehouse(root: Path, seed: int) -> tuple[WorldLayout, Path]:
    """A world landed through the real sources and built with the real dbt project."""
    layout = WorldLayout(root / "world")
    manifest = generate_world(layout.root, seed=seed, scale=SMALL_SCALE, as_of=AS_OF)
    warehouse = root / "recon.duckdb"
    sandbox = MiraklSandbox.from_world(layout.root, config=SandboxConfig(api_key="k"))
    with sandbox.serve() as base_url:
        run_sources(
            warehouse,
            [
                mirakl_source(base_url=base_url, api_key="k", shop_id=manifest.shop_id),
                erp_files_source(path=str(layout.erp_dir)),
            ],
        )
    transform(warehouse, as_of=manifest.as_of)
    return layout, warehouse


@pytest.fixture(scope="module", params=[7, 11, 23], ids=lambda seed: f"seed{seed}")
def built(request, tmp_path_factory) -> tuple[WorldLayout, Path]:
    return build_warehouse(tmp_path_factory.mktemp(f"drift-{request.param}"), request.param)


def _rows(warehouse: Path, sql: str, *params):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


def test_every_injected_drift_is_raised_and_nothing_else(built):
    layout, warehouse = built
    for item in score(warehouse, layout.truth_path):
        assert item.false_negatives == (), f"{item.exception_type} missed"
        assert item.false_positives == (), f"{item.exception_type} raised wrongly"
        assert item.precision == item.recall == 1.0


def test_lookalike_clean_cases_are_never_flagged(built):
    layout, warehouse = built
    raised = open_exceptions(warehouse)
    lookalikes = read_lookalikes(layout.root / "lookalikes.csv")
    described = {description for description, _, _ in lookalikes}
    assert {
        "order waiting 10 minutes",
        "fulfilment 10 minutes old",
        "case-pack SKU converted to units",
        "order total off by half a cent",
        "refund mirrored with a different line split",
    } <= described
    for description, kind, entity in lookalikes:
        assert (kind, entity) not in raised, f"look-alike flagged: {description} ({entity})"


def test_each_exception_is_owned_priced_and_explained(built):
    _, warehouse = built
    rows = _rows(
        warehouse,
        "select exception_type, owner, severity, status, detected_at, currency, amount_at_risk, "
        "json_valid(details) from exceptions",
    )
    assert rows
    for kind, owner, severity, status, detected_at, currency, at_risk, details_ok in rows:
        assert owner in {"ops", "finance", "ecommerce", "data"}, kind
        assert severity in {"critical", "high", "medium", "low"}, kind
        assert status == "open"
        assert detected_at == AS_OF
        assert details_ok
        assert at_risk is None or (at_risk >= 0 and currency is not None), kind
    types = dict(
        _rows(
            warehouse,
            "select data_type, 1 from information_schema.columns "
            "where table_name = 'exceptions' and column_name = 'amount_at_risk'",
        )
    )
    assert "DECIMAL(18,4)" in types


def test_a_rerun_keeps_history_resolves_what_no_longer_holds_and_reopens_what_returns(tmp_path):
    _, warehouse = build_warehouse(tmp_path, seed=7)
    first = dict(_rows(warehouse, "select exception_id, first_detected_at from exceptions"))

    later = AS_OF + dt.timedelta(minutes=5)
    transform(warehouse, as_of=later)
    assert dict(_rows(warehouse, "select exception_id, first_detected_at from exceptions")) == first

    # Ops fixes one stock mismatch on Mirakl: the next run resolves it and keeps the row.
    sku, expected = _rows(
        warehouse,
        "select entity_id, cast(json_extract(details, '$.expected_quantity') as integer) "
        "from exceptions where exception_type = 'stock_mismatch' order by entity_id limit 1",
    )[0]
    with duckdb.connect(str(warehouse)) as con:
        original = con.execute(
            "select quantity from mirakl.offers where shop_sku = ?", [sku]
        ).fetchone()[0]
        con.execute("update mirakl.offers set quantity = ? where shop_sku = ?", [expected, sku])
    fixed_at = AS_OF + dt.timedelta(minutes=10)
    transform(warehouse, as_of=fixed_at)
    status = _rows(
        warehouse,
        "select status, resolved_at, first_detected_at from exceptions "
        "where exception_type = 'stock_mismatch' and entity_id = ?",
        sku,
    )
    assert status == [("resolved", fixed_at, AS_OF)]
    assert len(_rows(warehouse, "select 1 from exceptions")) == len(first)

    # The drift comes back: the same row reopens, its first detection kept.
    with duckdb.connect(str(warehouse)) as con:
        con.execute("update mirakl.offers set quantity = ? where shop_sku = ?", [original, sku])
    transform(warehouse, as_of=AS_OF + dt.timedelta(minutes=15))
    assert _rows(
        warehouse,
        "select status, resolved_at, first_detected_at from exceptions "
        "where exception_type = 'stock_mismatch' and entity_id = ?",
        sku,
    ) == [("open", None, AS_OF)]


def test_rules_are_evaluated_as_of_the_given_instant(tmp_path):
    layout, warehouse = build_warehouse(tmp_path, seed=11)
    waiting = next(
        entity
        for description, _, entity in read_lookalikes(layout.root / "lookalikes.csv")
        if description == "order waiting 10 minutes"
    )
    assert ("unacknowledged_order", waiting) not in open_exceptions(warehouse)
    # An hour later nobody has accepted it: now it is an exception.
    transform(warehouse, as_of=AS_OF + dt.timedelta(hours=1))
    assert ("unacknowledged_order", waiting) in open_exceptions(warehouse)


def test_docs_generate_describes_every_model_and_column(tmp_path):
    import json

    from recon.transform import dbt_paths, run_dbt

    _, warehouse = build_warehouse(tmp_path, seed=23)
    result, _ = run_dbt(warehouse, ["docs", "generate"], as_of=AS_OF)
    assert result.success, result.exception
    target = dbt_paths(warehouse)["target"]
    catalog = json.loads((target / "catalog.json").read_text())
    manifest = json.loads((target / "manifest.json").read_text())
    assert "model.mirakl_recon.exceptions" in catalog["nodes"]
    models = [node for node in manifest["nodes"].values() if node["resource_type"] == "model"]
    assert len(models) >= 40
    for model in models:
        assert model["description"], f"{model['name']} has no description"
        built_columns = catalog["nodes"][model["unique_id"]]["columns"]
        for column in built_columns:
            documented = model["columns"].get(column, {}).get("description")
            assert documented, f"{model['name']}.{column} has no description"
