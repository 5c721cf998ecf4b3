"""A local stand-in for Microsoft Dynamics 365 Business Central (API v2.0), serving one company.

from sandbox.business_central import BusinessCentralSandbox, SandboxConfig

sandbox = BusinessCentralSandbox.from_world(Path("demo/world"), config=SandboxConfig())
with sandbox.serve() as base_url:  # API under /v2.0/..., Entra token endpoint under /<tenant>/
    ...

`serve_demo_source(world_dir)` serves a demo world with throwaway credentials and yields the
`business_central_source` configured against it (see `sandbox.erp_demo`). Business Central keeps
the general ledger, and bank deposits are its postings to the bank's G/L account, so the demo's
finance side comes from Business Central too.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from dlt.extract.source import DltSource

from sandbox.business_central.config import BC_SCOPE, CustomApi, SandboxConfig
from sandbox.business_central.server import BusinessCentralSandbox, BusinessCentralState
from sandbox.business_central.world import WorldNotBookable

# Server-driven pages of this many entities, so that the demo walks @odata.nextLink.
DEMO_PAGE_SIZE = 200


@contextmanager
def serve_demo_source(world_dir: Path) -> Iterator[DltSource]:
    """Serve the world's ERP side as a BC company; yield the source configured against it."""
    from ingestion.business_central import business_central_source

    config = SandboxConfig(
        tenant_id=str(uuid.uuid4()),
        environment="demo",
        # Throwaway credentials: accepted only by this sandbox, never printed or stored.
        client_id=str(uuid.uuid4()),
        client_secret=secrets.token_urlsafe(24),
        page_size=DEMO_PAGE_SIZE,
    )
    sandbox = BusinessCentralSandbox.from_world(Path(world_dir), config=config)
    custom = config.custom_api
    with sandbox.serve() as base_url:
        yield business_central_source(
            base_url=base_url,
            login_url=base_url,
            tenant=config.tenant_id,
            environment=config.environment,
            company=sandbox.company_name,
            client_id=config.client_id,
            client_secret=config.client_secret,
            custom_api_path=f"{custom.publisher}/{custom.group}/{custom.version}",
        )


__all__ = [
    "BC_SCOPE",
    "BusinessCentralSandbox",
    "BusinessCentralState",
    "CustomApi",
    "SandboxConfig",
    "WorldNotBookable",
    "serve_demo_source",
]
