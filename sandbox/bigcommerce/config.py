"""How a BigCommerce sandbox behaves."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sandbox.http import FaultPlan

# BigCommerce's quota for Standard and Plus plans: 150 requests per 30-second window.
STANDARD_PLAN_QUOTA = 150
QUOTA_WINDOW_MS = 30_000


@dataclass(frozen=True)
class BigCommerceConfig:
    # The store's permanent id, the `{store_hash}` in every path.
    store_hash: str = "sandbox1"
    # The only API account token accepted in X-Auth-Token.
    access_token: str = "sandbox-access-token"
    # Requests per window shared by every client of the store; None means unlimited (some
    # Enterprise plans), and then no X-Rate-Limit-* headers are sent.
    requests_quota: int | None = STANDARD_PLAN_QUOTA
    window_ms: int = QUOTA_WINDOW_MS
    faults: FaultPlan = field(default_factory=FaultPlan)
    # Mirror of the request log as JSON lines; None keeps it in memory only.
    request_log_path: Path | None = None
    request_log_max_records: int | None = None
