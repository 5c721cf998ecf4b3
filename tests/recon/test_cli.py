"""The `recon` command line: the entry points a person or a scheduler calls."""

from __future__ import annotations

import duckdb
import pytest
from click.testing import CliRunner

from ingestion.pipeline import table_counts
from recon.cli import cli
from sandbox.mirakl import MiraklSandbox, SandboxConfig
from tests.conftest import SMALL_SCALE


def test_help_lists_the_jobs():
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    for command in ("ingest", "demo", "sandbox"):
        assert command in result.output
    sandbox_help = CliRunner().invoke(cli, ["sandbox", "--help"])
    assert "generate" in sandbox_help.output and "serve" in sandbox_help.output


def test_ingest_reads_its_configuration_from_the_environment_and_reruns_idempotently(
    demo_world, tmp_path, monkeypatch
):
    warehouse = tmp_path / "recon.duckdb"
    sandbox = MiraklSandbox.from_world(demo_world.root, config=SandboxConfig(api_key="env-key"))
    with sandbox.serve() as base_url:
        monkeypatch.setenv("SOURCES__MIRAKL__BASE_URL", base_url)
        monkeypatch.setenv("SOURCES__MIRAKL__API_KEY", "env-key")
        monkeypatch.setenv("SOURCES__ERP_FILES__PATH", str(demo_world.erp_dir))
        monkeypatch.setenv("RECON_WAREHOUSE", str(warehouse))
        first = CliRunner().invoke(cli, ["ingest"])
        assert first.exit_code == 0, first.output
        counts = {ds: table_counts(warehouse, ds) for ds in ("mirakl", "erp_files")}
        second = CliRunner().invoke(cli, ["ingest"])
        assert second.exit_code == 0, second.output
    assert {ds: table_counts(warehouse, ds) for ds in ("mirakl", "erp_files")} == counts
    assert counts["mirakl"]["orders"] == len(demo_world.read_mirakl("orders"))
    assert "mirakl.orders" in first.output and "No record quarantined." in first.output


def test_ingest_with_a_rejected_key_fails_with_a_message_that_does_not_leak_the_key(
    demo_world, tmp_path, monkeypatch
):
    sandbox = MiraklSandbox.from_world(demo_world.root, config=SandboxConfig(api_key="right"))
    with sandbox.serve() as base_url:
        monkeypatch.setenv("SOURCES__MIRAKL__BASE_URL", base_url)
        monkeypatch.setenv("SOURCES__MIRAKL__API_KEY", "wrong-key-123")
        result = CliRunner().invoke(
            cli, ["ingest", "--source", "mirakl", "--warehouse", str(tmp_path / "w.duckdb")]
        )
    assert result.exit_code == 1
    assert "ingest failed" in result.output and "401" in result.output
    assert "wrong-key-123" not in result.output


def test_demo_lands_a_fresh_world_and_never_overwrites_a_warehouse_it_did_not_create(tmp_path):
    warehouse = tmp_path / "demo.duckdb"
    args = [
        "demo",
        "--warehouse",
        str(warehouse),
        "--world",
        str(tmp_path / "world"),
        "--scale",
        str(SMALL_SCALE),
    ]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert table_counts(warehouse, "mirakl")["orders"] > 100
    assert table_counts(warehouse, "erp_files")["sales_orders"] > 100
    assert CliRunner().invoke(cli, args).exit_code == 0  # a demo warehouse is reset

    real = tmp_path / "real.duckdb"
    duckdb.connect(str(real)).close()
    refused = CliRunner().invoke(
        cli,
        [
            "demo",
            "--warehouse",
            str(real),
            "--world",
            str(tmp_path / "world2"),
            "--scale",
            str(SMALL_SCALE),
        ],
    )
    assert refused.exit_code != 0
    assert "was not created by the demo" in refused.output
    assert real.exists()


@pytest.mark.parametrize("as_of", ["yesterday", "2026-13-01"])
def test_generate_rejects_an_unreadable_as_of(tmp_path, as_of):
    result = CliRunner().invoke(
        cli, ["sandbox", "generate", "--out", str(tmp_path / "w"), "--as-of", as_of]
    )
    assert result.exit_code == 2
    assert "is not an ISO 8601 timestamp" in result.output
