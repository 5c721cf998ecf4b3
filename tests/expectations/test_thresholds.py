"""The thresholds file: every breach's numbers and severities in one place, checked on load."""

from __future__ import annotations

from decimal import Decimal

import pytest
import yaml

from expectations.config import DEFAULT_THRESHOLDS, ThresholdsError, load_thresholds
from expectations.suites import all_batches


def _write(tmp_path, change) -> str:
    data = yaml.safe_load(DEFAULT_THRESHOLDS.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "thresholds.yml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return str(path)


def test_the_shipped_file_loads_with_exact_decimals(monkeypatch):
    monkeypatch.delenv("RECON_THRESHOLDS", raising=False)
    thresholds = load_thresholds()
    assert thresholds.path == DEFAULT_THRESHOLDS
    assert thresholds.business.money_tolerance == Decimal("0.01")
    assert thresholds.business.max_share_of_acceptance_window == Decimal("0.5")
    assert set(thresholds.business.severities.values()) <= {"critical", "warning"}


def test_thresholds_and_severities_reach_the_checks(tmp_path, monkeypatch):
    def change(data):
        data["business"]["paid_billing_cycles_reconcile"] = {
            "severity": "warning",
            "money_tolerance": 2.5,
        }
        data["data_quality"]["severity_overrides"] = {
            "mirakl.orders.payment_workflow is a Mirakl payment workflow": "critical"
        }

    monkeypatch.setenv("RECON_THRESHOLDS", _write(tmp_path, change))
    checks = {c.name: c for batch in all_batches(load_thresholds()) for c in batch.checks}
    cycles = checks["every paid billing cycle reconciles"]
    assert cycles.severity == "warning" and cycles.kwargs["max_value"] == 2.5
    assert "within 2.5" in cycles.description
    assert checks["mirakl.orders.payment_workflow is a Mirakl payment workflow"].severity == (
        "critical"
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d["business"]["no_critical_exception_open"].update(severity="fatal"),
            "business.no_critical_exception_open.severity must be one of critical, warning",
        ),
        (
            lambda d: d["business"]["stock_mismatch_share"].update(
                max_percent_of_active_offers=150
            ),
            "max_percent_of_active_offers must be at most 100",
        ),
        (
            lambda d: d["business"]["paid_billing_cycles_reconcile"].update(money_tolerance="x"),
            "money_tolerance must be a number",
        ),
        (lambda d: d.pop("alerts"), "alerts is missing"),
    ],
)
def test_a_bad_value_is_refused_naming_the_file_and_the_key(tmp_path, change, message):
    path = _write(tmp_path, change)
    with pytest.raises(ThresholdsError, match=message) as error:
        load_thresholds(path)
    assert path in str(error.value)
