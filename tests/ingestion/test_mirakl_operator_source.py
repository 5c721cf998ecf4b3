"""The operator offer source: full then differential exports, and the key kept safe."""

from __future__ import annotations

import logging
import traceback
from contextlib import ExitStack
from pathlib import Path

import dlt
import duckdb
import pytest
from dlt.pipeline.exceptions import PipelineStepFailed

from ingestion.mirakl_operator import (
    MiraklExportFailed,
    MiraklOperatorAuthError,
    OperatorClient,
    mirakl_operator_source,
)
from sandbox.mirakl.operator import MiraklOperatorSandbox, OperatorConfig
from sandbox.world.operator import OperatorLayout, generate_operator_world
from tests.conftest import AS_OF

KEY = "operator-key-77aa"


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> OperatorLayout:
    return generate_operator_world(tmp_path_factory.mktemp("op"), seed=5, as_of=AS_OF)


def pipeline(root: Path) -> dlt.Pipeline:
    return dlt.pipeline(
        pipeline_name="mirakl_operator",
        destination=dlt.destinations.duckdb(str(root / "w.duckdb")),
        dataset_name="mirakl_operator",
        pipelines_dir=str(root / "pipelines"),
    )


def chain(error: BaseException) -> list[BaseException]:
    found: list[BaseException] = []
    while error is not None and error not in found:
        found.append(error)
        error = error.__cause__ or error.__context__
    return found


def test_offers_land_typed_with_their_default_price(world, tmp_path):
    sandbox = MiraklOperatorSandbox.from_world(world.root, OperatorConfig(api_key=KEY))
    with sandbox.serve() as base_url:
        pipeline(tmp_path).run(
            mirakl_operator_source(base_url=base_url, api_key=KEY, poll_interval=0.01)
        )
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        types = dict(
            con.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = 'mirakl_operator' and table_name = 'offers'"
            ).fetchall()
        )
        rows = con.execute(
            "select offer_id, origin_price, active from mirakl_operator.offers"
        ).fetchall()
    assert types["origin_price"] == "DECIMAL(18,4)"
    assert types["last_updated"] == "TIMESTAMP WITH TIME ZONE"
    living = {o["offer_id"]: o for o in world.offers() if not o["deleted"]}
    assert {row[0] for row in rows} == set(living), "full export: inactive offers included"
    for offer_id, price, active in rows:
        assert price == living[offer_id]["prices"][0]["origin_price"]
        assert active == living[offer_id]["active"]


def test_a_rejected_key_names_the_setting_and_never_the_key(world, tmp_path, caplog):
    sandbox = MiraklOperatorSandbox.from_world(world.root, OperatorConfig(api_key=KEY))
    wrong = "wrong-operator-key-314"
    caplog.set_level(logging.DEBUG)
    with sandbox.serve() as base_url, pytest.raises(PipelineStepFailed) as failure:
        pipeline(tmp_path).run(mirakl_operator_source(base_url=base_url, api_key=wrong))
    errors = [e for e in chain(failure.value) if isinstance(e, MiraklOperatorAuthError)]
    assert errors and errors[0].status == 401
    assert "SOURCES__MIRAKL_OPERATOR__API_KEY" in str(failure.value)
    printed = "".join(traceback.format_exception(failure.value))
    assert wrong not in printed + caplog.text


def test_an_export_that_never_completes_ends_the_run(world, tmp_path):
    config = OperatorConfig(api_key=KEY, export_polls_until_complete=1000)
    sandbox = MiraklOperatorSandbox.from_world(world.root, config)
    with sandbox.serve() as base_url, pytest.raises(PipelineStepFailed) as failure:
        pipeline(tmp_path).run(
            mirakl_operator_source(
                base_url=base_url, api_key=KEY, poll_interval=0.05, export_timeout=0.3
            )
        )
    assert any(isinstance(e, MiraklExportFailed) for e in chain(failure.value))
    assert "still PENDING" in str(failure.value)


def test_the_key_is_never_sent_to_another_host(world):
    with ExitStack() as stack:
        home = MiraklOperatorSandbox.from_world(world.root, OperatorConfig(api_key=KEY))
        elsewhere = MiraklOperatorSandbox.from_world(world.root, OperatorConfig(api_key="other"))
        home_url = stack.enter_context(home.serve())
        other_url = stack.enter_context(elsewhere.serve())
        client = OperatorClient(home_url, KEY, max_attempts=1)
        with pytest.raises(Exception, match="HTTP 401"):
            client.request("GET", f"{other_url}/api/offers/export/async/status/x")
        assert [r.headers.get("Authorization") for r in elsewhere.request_log] == [None]
        with pytest.raises(Exception, match="HTTP 404"):
            client.request("GET", f"{home_url}/api/offers/export/async/status/x")
        assert [r.headers.get("Authorization") for r in home.request_log] == ["[redacted]"]
