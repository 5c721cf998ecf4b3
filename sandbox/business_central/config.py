"""How a Business Central sandbox behaves: its tenant, credentials, paging, limits and faults."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sandbox.http import FaultPlan

# The one scope a client-credentials token for Business Central may ask for.
BC_SCOPE = "https://api.businesscentral.dynamics.com/.default"

# Business Central online serves at most 20,000 entities per page, and the page size cannot be
# changed online; a client may ask for less with `Prefer: odata.maxpagesize=<n>`.
BC_MAX_PAGE_SIZE = 20_000


@dataclass(frozen=True)
class CustomApi:
    """Where the sandbox serves the custom API pages of a marketplace extension.

    The standard v2.0 pages lack what reconciliation needs (tracking and carrier on shipments,
    stock per location, the marketplace fields of an item), so tenants install an extension
    with API pages under ``/api/<publisher>/<group>/<version>/companies(<id>)/<entitySet>``.
    """

    publisher: str = "miraklRecon"
    group: str = "marketplace"
    version: str = "v1.0"
    shipment_trackings: str = "shipmentTrackings"
    item_location_stocks: str = "itemLocationStocks"
    marketplace_items: str = "marketplaceItems"

    @property
    def route(self) -> tuple[str, str, str]:
        return (self.publisher, self.group, self.version)


@dataclass(frozen=True)
class SandboxConfig:
    # The Entra tenant and the Business Central environment in every API path.
    tenant_id: str = "00000000-0000-4000-8000-0000000000bc"
    environment: str = "production"
    # The app registration the token endpoint accepts (client credentials only).
    client_id: str = "sandbox-client-id"
    client_secret: str = "sandbox-client-secret"
    # Seconds an access token lives (Entra issues ~3599 s).
    token_lifetime_seconds: int = 3599
    # Server-driven page size; `Prefer: odata.maxpagesize` may only lower it.
    page_size: int = BC_MAX_PAGE_SIZE
    # API requests allowed per window before 429; None means unlimited.
    request_budget: int | None = None
    budget_window_seconds: float = 300.0
    # Retry-After on 429 in seconds; None sends no Retry-After (BC's header is unconfirmed).
    retry_after_seconds: int | None = 1
    # The company's local time zone: BC dates (orderDate, postingDate...) are local dates.
    time_zone: str = "Europe/Paris"
    custom_api: CustomApi = field(default_factory=CustomApi)
    faults: FaultPlan = field(default_factory=FaultPlan)
    # Mirror of the request log as JSON lines; None keeps it in memory only.
    request_log_path: Path | None = None
    request_log_max_records: int | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.page_size <= BC_MAX_PAGE_SIZE:
            raise ValueError(f"page_size must lie in 1..{BC_MAX_PAGE_SIZE}, got {self.page_size}")
        if self.token_lifetime_seconds < 1:
            raise ValueError("token_lifetime_seconds must be positive")
