"""Operator mode: Mirakl offers whose quantity has not reached their BigCommerce variant.

An operator world (sandbox/world/operator.py) is served by the Mirakl operator sandbox
(OF52/OF53/OF54) and a BigCommerce storefront sandbox, landed by the real sources into DuckDB
and built by the real dbt project with `marketplace_role: operator`.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from contextlib import ExitStack
from pathlib import Path

import duckdb
import pytest
import requests

from ingestion.bigcommerce import bigcommerce_source
from ingestion.mirakl_operator import mirakl_operator_source
from ingestion.pipeline import run_sources
from recon.transform import run_dbt, transform
from sandbox.bigcommerce import BigCommerceConfig, BigCommerceSandbox
from sandbox.mirakl.operator import MiraklOperatorSandbox, OperatorConfig
from sandbox.world.operator import OperatorLayout, generate_operator_world, read_operator_truth
from tests.conftest import AS_OF

KEY, TOKEN, STORE = "op-key", "bc-token", "operator1"
OPERATOR_VARS = {"marketplace_role": "operator"}
OPERATOR_MODELS = ["+path:models/marts/operator"]


class OperatorRun:
    """An operator world served by both sandboxes, landed and built into one warehouse."""

    def __init__(self, root: Path, stack: ExitStack, seed: int = 7) -> None:
        self.layout: OperatorLayout = generate_operator_world(
            root / "world", seed=seed, as_of=AS_OF
        )
        self.warehouse = root / "recon.duckdb"
        self.mirakl = MiraklOperatorSandbox.from_world(
            self.layout.root, OperatorConfig(api_key=KEY)
        )
        self.storefront = BigCommerceSandbox.from_storefront(
            self.layout.root,
            BigCommerceConfig(store_hash=STORE, access_token=TOKEN, requests_quota=None),
        )
        self.mirakl_url = stack.enter_context(self.mirakl.serve())
        self.storefront_url = stack.enter_context(self.storefront.serve())

    def land_and_build(self, as_of: dt.datetime = AS_OF) -> None:
        run_sources(
            self.warehouse,
            [
                mirakl_operator_source(base_url=self.mirakl_url, api_key=KEY, poll_interval=0.05),
                bigcommerce_source(
                    store_hash=STORE, access_token=TOKEN, api_base_url=self.storefront_url
                ),
            ],
        )
        transform(self.warehouse, as_of=as_of, select=OPERATOR_MODELS, extra_vars=OPERATOR_VARS)

    def rows(self, sql: str, *params):
        with duckdb.connect(str(self.warehouse), read_only=True) as con:
            return con.execute(sql, list(params)).fetchall()

    def open_exceptions(self) -> set[tuple[str, str]]:
        return set(
            self.rows(
                "select exception_type, entity_id from operator.exceptions where status = 'open'"
            )
        )


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    with ExitStack() as stack:
        run = OperatorRun(tmp_path_factory.mktemp("operator-mode"), stack)
        run.land_and_build()
        yield run


def test_exactly_the_injected_offers_are_flagged(built):
    truth = read_operator_truth(built.layout.truth_path)
    assert truth
    assert built.open_exceptions() == truth


def test_lookalikes_stay_quiet(built):
    raised = built.open_exceptions()
    with built.layout.lookalikes_path.open(newline="", encoding="utf-8") as handle:
        lookalikes = list(csv.DictReader(handle))
    assert len(lookalikes) == 5
    for row in lookalikes:
        assert (row["exception_type"], row["entity_id"]) not in raised, row["description"]


def test_each_exception_is_owned_priced_and_explained(built):
    rows = built.rows(
        "select exception_type, owner, severity, detected_at, amount_at_risk, currency, "
        "json_valid(details), json_extract_string(details, '$.variant_sku') "
        "from operator.exceptions"
    )
    for kind, owner, severity, detected_at, amount, currency, valid, variant in rows:
        assert owner == "ecommerce"
        assert severity in {"critical", "high", "medium", "low"}
        assert detected_at == AS_OF and valid
        assert amount is None or (amount > 0 and currency == "EUR")
        if kind == "storefront_stock_mismatch":
            assert variant.startswith("MIRAKL-")
    severities = dict(
        built.rows(
            "select entity_id, severity from operator.exceptions "
            "where json_extract_string(details, '$.offer_deleted') = 'true' "
            "or json_extract_string(details, '$.offer_active') = 'false'"
        )
    )
    assert severities and set(severities.values()) == {"critical"}, (
        "a storefront still selling an offer Mirakl retired is the worst case"
    )


def test_the_storefront_view_shows_both_quantities(built):
    rows = built.rows(
        "select count(*), count(*) filter (where is_in_sync), "
        "count(*) filter (where not has_variant), count(*) filter (where not is_exported) "
        "from operator.storefront_offer_positions"
    )
    total, in_sync, without_variant, not_exported = rows[0]
    offers = built.layout.offers()
    assert without_variant == 4  # three injected, one sold-out look-alike
    assert not_exported == sum(1 for offer in offers if offer["deleted"])
    assert total - in_sync == len(read_operator_truth(built.layout.truth_path)) + 1
    # The storefront's own products carry no marketplace prefix and are left alone.
    assert built.rows(
        "select count(*) from operator.storefront_offer_positions where variant_sku like 'HOUSE-%'"
    ) == [(0,)]


def test_operator_mode_enables_the_storefront_models_but_not_bigcommerce_as_erp(built):
    result, _ = run_dbt(
        built.warehouse,
        ["ls", "--resource-type", "model", "--output", "name", "--quiet"],
        extra_vars=OPERATOR_VARS,
    )
    names = set(result.result)
    assert {
        "base_bigcommerce__variants",
        "base_bigcommerce__inventory_items",
        "stg_mirakl_operator__offers",
        "operator_exceptions",
        "storefront_offer_positions",
    } <= names
    assert not {name for name in names if name.startswith("stg_bigcommerce__")}


def test_a_rerun_follows_mirakl_changes_and_storefront_fixes(tmp_path):
    with ExitStack() as stack:
        run = OperatorRun(tmp_path, stack, seed=11)
        run.land_and_build()
        truth = read_operator_truth(run.layout.truth_path)
        assert run.open_exceptions() == truth
        offers = {offer["offer_id"]: offer for offer in run.layout.offers()}
        positions = {
            row[0]: row[1:]
            for row in run.rows(
                "select offer_key, is_in_sync, mirakl_quantity, variant_id "
                "from operator.storefront_offer_positions"
            )
        }
        in_sync = sorted(
            key
            for key, (synced, quantity, _) in positions.items()
            if synced and (quantity or 0) >= 3
        )
        # Ops copies one drifted offer's quantity to the storefront...
        fixed = sorted(
            entity
            for kind, entity in truth
            if kind == "storefront_stock_mismatch" and offers[int(entity)]["active"]
        )[0]
        _, quantity, variant_id = positions[fixed]
        locations = [loc.id for loc in run.storefront.store.locations]
        answer = requests.put(
            f"{run.storefront_url}/stores/{STORE}/v3/inventory/adjustments/absolute",
            headers={"X-Auth-Token": TOKEN},
            json={
                "reason": "sync from Mirakl",
                "items": [
                    {
                        "location_id": loc,
                        "variant_id": variant_id,
                        "quantity": quantity if i == 0 else 0,
                    }
                    for i, loc in enumerate(locations)
                ],
            },
            timeout=10,
        )
        assert answer.status_code == 200
        # ...a seller deletes an offer the storefront still sells, another changes a quantity.
        deleted, changed = in_sync[0], in_sync[1]
        run.mirakl.delete_offer(int(deleted))
        run.mirakl.update_offer(int(changed), quantity=positions[changed][1] + 4)
        later = AS_OF + dt.timedelta(minutes=30)

        run.land_and_build(as_of=later)

        status = {
            entity: (kind, state, severity, resolved_at)
            for kind, entity, state, severity, resolved_at in run.rows(
                "select exception_type, entity_id, status, severity, resolved_at "
                "from operator.exceptions"
            )
        }
        assert status[fixed][1:] == ("resolved", status[fixed][2], later)
        assert status[deleted] == ("storefront_stock_mismatch", "open", "critical", None)
        assert status[changed] == ("storefront_stock_mismatch", "open", "low", None)
        assert run.open_exceptions() == (truth - {("storefront_stock_mismatch", fixed)}) | {
            ("storefront_stock_mismatch", deleted),
            ("storefront_stock_mismatch", changed),
        }
        assert run.rows(
            "select deleted, quantity from mirakl_operator.offers where offer_id = ?", int(deleted)
        ) == [(True, None)]
        bodies = [
            json.loads(record.body) for record in run.mirakl.request_log if record.method == "POST"
        ]
        assert "last_request_date" not in bodies[0] and bodies[0]["include_inactive_offers"]
        assert "last_request_date" in bodies[1] and "include_inactive_offers" not in bodies[1]
        # The first (full) export held the living offers; the differential one added the
        # offers deleted since its last_request_date, flagged deleted, never duplicated.
        since = dt.datetime.fromisoformat(bodies[1]["last_request_date"].replace("Z", "+00:00"))
        seen = sum(
            1
            for offer in offers.values()
            if not offer["deleted"]
            or dt.datetime.fromisoformat(offer["last_updated"].replace("Z", "+00:00")) >= since
        )
        assert run.rows(
            "select count(*), count(distinct offer_id) from mirakl_operator.offers"
        ) == [(seen, seen)]
