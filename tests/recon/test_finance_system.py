"""Where the ledger and bank deposits come from when only the ERP is configured.

A commerce platform (BigCommerce, Magento) keeps no general ledger: with it as the ERP and no
finance_system set, the finance side defaults to the ERP file exports. An ERP that keeps a
ledger (NetSuite, Business Central, the file contract) is its own finance system. A
finance_system set to a system recon lands no ledger from fails before anything runs, with a
message naming the setting, rather than as a missing dbt model.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from recon.cli import cli
from recon.commands.ingest import default_sources
from recon.settings import (
    ERP_SYSTEM_ENV,
    FINANCE_SYSTEM_ENV,
    SettingsError,
    configured_finance_system,
    ledger_systems,
)
from sandbox.erp_demo import serving_erp


@pytest.fixture(autouse=True)
def no_finance_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(FINANCE_SYSTEM_ENV, raising=False)


def test_the_systems_that_keep_a_ledger_are_those_with_ledger_staging() -> None:
    assert ledger_systems() == ["business_central", "erp_files", "netsuite"]


@pytest.mark.parametrize("erp", ["bigcommerce", "magento"])
def test_an_erp_without_a_ledger_takes_its_finance_from_the_file_exports(
    erp: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ERP_SYSTEM_ENV, erp)
    assert configured_finance_system() == "erp_files"
    assert configured_finance_system(erp) == "erp_files"
    assert default_sources()[:3] == ["mirakl", erp, "erp_files"]


@pytest.mark.parametrize("erp", ["erp_files", "netsuite", "business_central"])
def test_an_erp_with_a_ledger_is_its_own_finance_system(
    erp: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ERP_SYSTEM_ENV, erp)
    assert configured_finance_system() == erp
    assert default_sources()[:2] == ["mirakl", erp]
    assert default_sources().count(erp) == 1


def test_an_explicit_finance_system_that_keeps_a_ledger_is_kept(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(ERP_SYSTEM_ENV, "magento")
    monkeypatch.setenv(FINANCE_SYSTEM_ENV, "netsuite")
    assert configured_finance_system() == "netsuite"


@pytest.mark.parametrize("finance", ["magento", "bigcommerce", "inventory_planner", "sap"])
def test_an_explicit_finance_system_without_a_ledger_fails_naming_the_setting(
    finance: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ERP_SYSTEM_ENV, "magento")
    monkeypatch.setenv(FINANCE_SYSTEM_ENV, finance)
    with pytest.raises(SettingsError) as raised:
        configured_finance_system()
    message = str(raised.value)
    assert f"finance_system = '{finance}'" in message
    assert FINANCE_SYSTEM_ENV in message
    assert "business_central, erp_files, netsuite" in message


@pytest.mark.parametrize("command", ["transform", "ingest"])
def test_the_cli_stops_before_running_with_the_setting_named(
    command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    warehouse = tmp_path / "recon.duckdb"
    monkeypatch.setenv(ERP_SYSTEM_ENV, "magento")
    monkeypatch.setenv(FINANCE_SYSTEM_ENV, "magento")
    result = CliRunner().invoke(cli, [command, "--warehouse", str(warehouse)])
    assert result.exit_code == 1, result.output
    assert "finance_system = 'magento'" in result.output
    assert "stg_magento__ledger_entries" not in result.output
    assert "Traceback" not in result.output
    assert not warehouse.exists(), "nothing ran"


@pytest.mark.parametrize("erp", ["bigcommerce", "magento"])
def test_the_demo_serves_the_same_finance_system_a_configured_run_defaults_to(
    erp: str, demo_world, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ERP_SYSTEM_ENV, erp)
    with serving_erp(erp, demo_world.root) as served:
        assert served.finance_system == configured_finance_system() == "erp_files"
        assert [source.name for source in served.sources] == [erp, "erp_files"]
