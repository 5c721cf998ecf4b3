"""How a NetSuite sandbox account behaves."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sandbox.http import FaultPlan


@dataclass(frozen=True)
class SandboxConfig:
    # The account id as NetSuite writes it (the TBA realm), e.g. "1234567_SB1" for a sandbox.
    account_id: str = "1234567_SB1"
    consumer_key: str = "sandbox-consumer-key"
    consumer_secret: str = "sandbox-consumer-secret"
    token_id: str = "sandbox-token-id"
    token_secret: str = "sandbox-token-secret"
    # An OAuth 2.0 access token accepted as "Authorization: Bearer ..."; None accepts none.
    access_token: str | None = None
    # The user preferences SuiteQL answers in: date-times are shown in this time zone, and
    # dates in this format.
    timezone: str = "America/Los_Angeles"
    date_format: str = "M/D/YYYY"
    # Concurrent requests the account allows; the next one is refused (developer accounts: 5).
    concurrency_limit: int = 5
    # SuiteQL: rows per page at most, and rows one query may page through at most
    # (without SuiteAnalytics Connect, 100,000).
    max_page_size: int = 1000
    max_results: int = 100_000
    # Seconds each SuiteQL request takes at least: makes concurrency observable in tests.
    query_seconds: float = 0.0
    faults: FaultPlan = field(default_factory=FaultPlan)
    request_log_path: Path | None = None
    request_log_max_records: int | None = None
