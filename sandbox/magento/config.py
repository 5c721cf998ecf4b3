"""How a Magento sandbox behaves: credentials, Web API settings and injected faults."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sandbox.http import FaultPlan


@dataclass(frozen=True)
class SandboxConfig:
    # The integration's access token (System > Integrations). Accepted as a plain Bearer token
    # only when the store allows it: Stores > Configuration > Services > OAuth > Consumer
    # Settings > "Allow OAuth Access Tokens to be used as standalone Bearer tokens", off by
    # default since 2.4.4. None: the store has no integration.
    access_token: str | None = "sandbox-integration-token"
    integration_token_as_bearer: bool = False
    # An admin user who may ask POST /V1/integration/admin/token for a token; None: nobody.
    admin_username: str | None = None
    admin_password: str | None = None
    # Admin tokens expire after four hours by default (Stores > Configuration > Services >
    # OAuth > Access Token Expiration).
    admin_token_lifetime_seconds: float = 4 * 3600
    # Web API input limits (Stores > Configuration > Services > Web API Limits), off by
    # default; when on, a pageSize above the maximum is refused and a missing one gets the
    # default.
    input_limits_enabled: bool = False
    max_page_size: int = 300
    default_page_size: int = 20
    # A currentPage past the last page answers the last page again (magento2#3787, #8099).
    # False models the stores where it answers an empty page instead.
    repeat_last_page_past_end: bool = True
    # The MSI stock the sandbox's sources are assigned to.
    stock_id: int = 1
    faults: FaultPlan = field(default_factory=FaultPlan)
    # Mirror of the request log as JSON lines; None keeps it in memory only.
    request_log_path: Path | None = None
    request_log_max_records: int | None = None
