"""The thresholds file: every number a breach depends on, and each expectation's severity."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Literal

import yaml

Severity = Literal["critical", "warning"]
SEVERITIES: tuple[Severity, ...] = ("critical", "warning")

DEFAULT_THRESHOLDS = Path(__file__).resolve().parent / "thresholds.yml"
THRESHOLDS_ENV = "RECON_THRESHOLDS"


class ThresholdsError(ValueError):
    """The thresholds file is missing, unreadable or holds a value that makes no sense."""


@dataclass(frozen=True)
class BusinessThresholds:
    severities: dict[str, Severity]
    max_share_of_acceptance_window: Decimal
    max_percent_of_active_offers: Decimal
    money_tolerance: Decimal


@dataclass(frozen=True)
class DataQualityThresholds:
    owner: str
    max_amount: Decimal
    max_quantity: int
    future_tolerance_minutes: int
    severity_overrides: dict[str, Severity] = field(default_factory=dict)


@dataclass(frozen=True)
class AlertSettings:
    severities: tuple[Severity, ...]
    max_items_per_message: int
    timeout_seconds: float


@dataclass(frozen=True)
class Thresholds:
    path: Path
    business: BusinessThresholds
    data_quality: DataQualityThresholds
    alerts: AlertSettings
    data_docs_keep_runs: int


BUSINESS_CHECKS = (
    "no_critical_exception_open",
    "orders_acknowledged_in_time",
    "stock_mismatch_share",
    "paid_billing_cycles_reconcile",
)


def thresholds_path(path: str | Path | None = None) -> Path:
    """An explicit path, else $RECON_THRESHOLDS, else expectations/thresholds.yml."""
    chosen = path or os.environ.get(THRESHOLDS_ENV) or DEFAULT_THRESHOLDS
    return Path(chosen).expanduser().resolve()


def load_thresholds(path: str | Path | None = None) -> Thresholds:
    source = thresholds_path(path)
    try:
        data = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
    except OSError as error:
        raise ThresholdsError(f"cannot read thresholds file {source}: {error.strerror}") from None
    except yaml.YAMLError as error:
        raise ThresholdsError(f"{source} is not valid YAML: {error}") from None
    reader = _Reader(source, data)
    business = reader.section("business")
    severities = {name: reader.severity(business, name, "severity") for name in BUSINESS_CHECKS}
    quality = reader.section("data_quality")
    alerts = reader.section("alerts")
    docs = reader.section("data_docs")
    overrides = quality.get("severity_overrides") or {}
    if not isinstance(overrides, dict):
        raise reader.error(
            "data_quality.severity_overrides", "must map expectation names to a severity"
        )
    return Thresholds(
        path=source,
        business=BusinessThresholds(
            severities=severities,
            max_share_of_acceptance_window=reader.number(
                business,
                "orders_acknowledged_in_time",
                "max_share_of_acceptance_window",
                minimum=Decimal(0),
                maximum=Decimal(1),
            ),
            max_percent_of_active_offers=reader.number(
                business,
                "stock_mismatch_share",
                "max_percent_of_active_offers",
                minimum=Decimal(0),
                maximum=Decimal(100),
            ),
            money_tolerance=reader.number(
                business, "paid_billing_cycles_reconcile", "money_tolerance", minimum=Decimal(0)
            ),
        ),
        data_quality=DataQualityThresholds(
            owner=reader.text(quality, "owner", "data_quality"),
            max_amount=reader.number(
                quality, None, "max_amount", minimum=Decimal(0), path="data_quality"
            ),
            max_quantity=int(
                reader.number(
                    quality, None, "max_quantity", minimum=Decimal(1), path="data_quality"
                )
            ),
            future_tolerance_minutes=int(
                reader.number(
                    quality,
                    None,
                    "future_tolerance_minutes",
                    minimum=Decimal(0),
                    path="data_quality",
                )
            ),
            severity_overrides={
                str(name): reader.check_severity(value, f"data_quality.severity_overrides.{name}")
                for name, value in overrides.items()
            },
        ),
        alerts=AlertSettings(
            severities=tuple(
                reader.check_severity(value, "alerts.severities")
                for value in (alerts.get("severities") or [])
            ),
            max_items_per_message=int(
                reader.number(
                    alerts, None, "max_items_per_message", minimum=Decimal(1), path="alerts"
                )
            ),
            timeout_seconds=float(
                reader.number(alerts, None, "timeout_seconds", minimum=Decimal(1), path="alerts")
            ),
        ),
        data_docs_keep_runs=int(
            reader.number(docs, None, "keep_runs", minimum=Decimal(1), path="data_docs")
        ),
    )


class _Reader:
    """Reads values out of the parsed file; every error names the file and the key."""

    def __init__(self, source: Path, data: Any):
        if not isinstance(data, dict):
            raise ThresholdsError(f"{source}: expected a mapping at the top level")
        self.source = source
        self.data = data

    def error(self, key: str, problem: str) -> ThresholdsError:
        return ThresholdsError(f"{self.source}: {key} {problem}")

    def section(self, name: str) -> dict[str, Any]:
        value = self.data.get(name)
        if not isinstance(value, dict):
            raise self.error(name, "is missing or not a mapping")
        return value

    def _entry(self, section: dict[str, Any], entry: str | None, path: str) -> tuple[dict, str]:
        if entry is None:
            return section, path
        value = section.get(entry)
        if not isinstance(value, dict):
            raise self.error(f"{path}.{entry}", "is missing or not a mapping")
        return value, f"{path}.{entry}"

    def severity(self, section: dict[str, Any], entry: str, key: str) -> Severity:
        mapping, path = self._entry(section, entry, "business")
        return self.check_severity(mapping.get(key), f"{path}.{key}")

    def check_severity(self, value: Any, key: str) -> Severity:
        if value not in SEVERITIES:
            raise self.error(key, f"must be one of {', '.join(SEVERITIES)} (got {value!r})")
        return value

    def text(self, section: dict[str, Any], key: str, path: str) -> str:
        value = section.get(key)
        if not isinstance(value, str) or not value.strip():
            raise self.error(f"{path}.{key}", "must be a non-empty text")
        return value.strip()

    def number(
        self,
        section: dict[str, Any],
        entry: str | None,
        key: str,
        *,
        minimum: Decimal | None = None,
        maximum: Decimal | None = None,
        path: str = "business",
    ) -> Decimal:
        mapping, where = self._entry(section, entry, path)
        name = f"{where}.{key}"
        raw = mapping.get(key)
        if isinstance(raw, bool) or raw is None:
            raise self.error(name, "must be a number")
        try:
            # str() first: 0.01 written in YAML must stay exactly 0.01, never a binary float.
            value = Decimal(str(raw))
        except InvalidOperation:
            raise self.error(name, f"must be a number (got {raw!r})") from None
        if not value.is_finite():
            raise self.error(name, f"must be a finite number (got {raw!r})")
        if minimum is not None and value < minimum:
            raise self.error(name, f"must be at least {minimum} (got {raw!r})")
        if maximum is not None and value > maximum:
            raise self.error(name, f"must be at most {maximum} (got {raw!r})")
        return value
