"""How writeback behaves, from `[writeback]` in .dlt/config.toml, and how it reaches Mirakl.

Mirakl is reached with the Mirakl source's own settings (`[sources.mirakl]` base_url, api_key,
shop_id), so one configuration serves reading and writing. Every key can also be set as an
environment variable, e.g. `[writeback.auto_approve] stock_mismatch` ->
`WRITEBACK__AUTO_APPROVE__STOCK_MISMATCH`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from ingestion.mirakl.helpers import normalize_base_url
from ingestion.mirakl.settings import API_KEY_CONFIG_HINT, BASE_URL_CONFIG_HINT

# The exception types writeback knows how to correct, and the Mirakl call(s) each one takes.
CORRECTION_TYPES: Mapping[str, str] = MappingProxyType(
    {
        "stock_mismatch": "STO01",
        "unacknowledged_order": "OR21",
        "fulfilled_not_shipped": "OR23+OR24",
        "refund_not_mirrored": "OR28",
    }
)

# Mirakl's "maximum usage" per operation (seconds between two calls), from each operation's
# Call Frequency block. OR21/OR23/OR24/OR28 are "per business event": no spacing needed.
MIRAKL_MIN_INTERVAL_SECONDS: Mapping[str, float] = MappingProxyType(
    {
        "STO01": 60.0,
        "STO02": 15.0,
        "STO03": 60.0,
        "OR11": 60.0,
        "OF21": 0.0,
        "OR21": 0.0,
        "OR23": 0.0,
        "OR24": 0.0,
        "OR28": 0.0,
    }
)


class WritebackConfigError(ValueError):
    """A writeback or Mirakl setting is missing or wrong; the message names the key."""


@dataclass(frozen=True)
class MiraklConnection:
    """Where and as whom writeback calls Mirakl. The key never appears in repr or messages."""

    base_url: str
    api_key: str = field(repr=False)
    shop_id: int | None = None

    def __post_init__(self) -> None:
        if not self.api_key or not str(self.api_key).strip():
            raise WritebackConfigError(f"the Mirakl API key is empty; set {API_KEY_CONFIG_HINT}")
        try:
            object.__setattr__(self, "base_url", normalize_base_url(self.base_url))
        except ValueError as error:
            raise WritebackConfigError(str(error)) from None


@dataclass(frozen=True)
class WritebackSettings:
    # Exception types whose corrections are approved as soon as they are planned. Off by
    # default: a person approves every correction.
    auto_approve: frozenset[str] = frozenset()
    # Seconds between two calls of one Mirakl operation (keys as MIRAKL_MIN_INTERVAL_SECONDS).
    min_interval_seconds: Mapping[str, float] = field(
        default_factory=lambda: dict(MIRAKL_MIN_INTERVAL_SECONDS)
    )
    # Seconds to wait for Mirakl's answer to one request.
    request_timeout: float = 30.0
    # Sends of one correction (first included) before it is left failed for a person.
    max_attempts: int = 4
    # First wait after a 5xx, timeout or dropped connection; doubled at each further attempt.
    retry_backoff_seconds: float = 2.0
    # Longest single wait, Retry-After included.
    max_retry_delay: float = 600.0
    # 429 answers in a row on one request before the run stops sending (nothing was processed).
    max_throttled_retries: int = 20
    # A request whose answer never came may still be running at Mirakl: its outcome is read back
    # from Mirakl only after this many seconds.
    in_doubt_grace_seconds: float = 120.0
    # How long an apply waits at its end for stock imports to complete and for in-doubt sends
    # to become readable; what is still pending then is picked up by the next apply.
    max_wait_seconds: float = 900.0
    # The RE01 REFUND reason for OR28 when no reason's label matches the ERP's refund reason.
    default_refund_reason: str | None = None

    def __post_init__(self) -> None:
        unknown = set(self.auto_approve) - set(CORRECTION_TYPES)
        if unknown:
            raise WritebackConfigError(
                f"[writeback.auto_approve] names unknown correction type(s) "
                f"{', '.join(sorted(unknown))}; known: {', '.join(CORRECTION_TYPES)}"
            )
        if self.max_attempts < 1:
            raise WritebackConfigError("[writeback] max_attempts must be at least 1")
        intervals = dict(MIRAKL_MIN_INTERVAL_SECONDS)
        for key, value in self.min_interval_seconds.items():
            intervals[key.upper()] = float(value)
        object.__setattr__(self, "min_interval_seconds", MappingProxyType(intervals))


def _config(key: str, kind: type) -> Any:
    import dlt

    try:
        return dlt.config.get(key, kind)
    except Exception as error:  # dlt raises several types for a value of the wrong type
        raise WritebackConfigError(f"{key} in .dlt/config.toml: {error}") from None


def load_settings() -> WritebackSettings:
    """Settings from `[writeback]` in .dlt/config.toml or WRITEBACK__* environment variables."""
    auto = frozenset(
        kind for kind in CORRECTION_TYPES if _config(f"writeback.auto_approve.{kind}", bool)
    )
    intervals = {}
    for operation in MIRAKL_MIN_INTERVAL_SECONDS:
        value = _config(f"writeback.min_interval_seconds.{operation.lower()}", float)
        if value is not None:
            intervals[operation] = value
    values: dict[str, Any] = {}
    for name, kind in (
        ("request_timeout", float),
        ("max_attempts", int),
        ("retry_backoff_seconds", float),
        ("max_retry_delay", float),
        ("max_throttled_retries", int),
        ("in_doubt_grace_seconds", float),
        ("max_wait_seconds", float),
        ("default_refund_reason", str),
    ):
        value = _config(f"writeback.{name}", kind)
        if value is not None:
            values[name] = value
    return WritebackSettings(auto_approve=auto, min_interval_seconds=intervals, **values)


def load_connection() -> MiraklConnection:
    """The Mirakl instance and key of the Mirakl source (`[sources.mirakl]`)."""
    import dlt

    base_url = _config("sources.mirakl.base_url", str)
    if not base_url:
        raise WritebackConfigError(f"the Mirakl base URL is not set; set {BASE_URL_CONFIG_HINT}")
    try:
        api_key = dlt.secrets.get("sources.mirakl.api_key", str)
    except Exception:
        api_key = None
    shop_id = _config("sources.mirakl.shop_id", int)
    return MiraklConnection(base_url=base_url, api_key=api_key or "", shop_id=shop_id)
