"""A local stand-in for Oracle NetSuite's SuiteTalk REST API (SuiteQL), serving one account.

from sandbox.netsuite import NetSuiteSandbox, SandboxConfig

sandbox = NetSuiteSandbox.from_world(Path("demo/world"), config=SandboxConfig())
with sandbox.serve() as base_url:  # SuiteQL at base_url + "/services/rest/query/v1/suiteql"
    ...

``serve_demo_source(world_dir)`` serves a demo world's ERP side (finance included: GL postings
and bank deposits) with throwaway credentials and yields the configured ``netsuite_source``;
``recon demo --erp netsuite`` uses it (see sandbox/erp_demo.py).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from dlt.extract.source import DltSource

from sandbox.netsuite.config import SandboxConfig
from sandbox.netsuite.server import LoginAttempt, NetSuiteSandbox

__all__ = [
    "DEMO_TIMEZONE",
    "LoginAttempt",
    "NetSuiteSandbox",
    "SandboxConfig",
    "demo_config",
    "serve_demo_source",
]

# The demo seller is French: its NetSuite user works in Paris time.
DEMO_TIMEZONE = "Europe/Paris"
DEMO_ACCOUNT_ID = "1234567_SB1"
# The world says when each location's stock was counted; NetSuite keeps that per location.
DEMO_STOCK_COUNTED_AT_FIELD = "lastinvtcountdate"


def demo_config(**overrides) -> SandboxConfig:
    """A sandbox account with fresh random credentials (never printed or stored)."""
    values = {
        "account_id": DEMO_ACCOUNT_ID,
        "consumer_key": secrets.token_hex(32),
        "consumer_secret": secrets.token_hex(32),
        "token_id": secrets.token_hex(32),
        "token_secret": secrets.token_hex(32),
        "timezone": DEMO_TIMEZONE,
        **overrides,
    }
    return SandboxConfig(**values)


def source_for(sandbox: NetSuiteSandbox, base_url: str, **options) -> DltSource:
    """``netsuite_source`` configured for a running sandbox, signing with token-based auth."""
    from ingestion.netsuite import netsuite_source

    config = sandbox.config
    return netsuite_source(
        account_id=config.account_id,
        account_timezone=config.timezone,
        base_url=base_url,
        consumer_key=config.consumer_key,
        consumer_secret=config.consumer_secret,
        token_id=config.token_id,
        token_secret=config.token_secret,
        **{"stock_counted_at_field": DEMO_STOCK_COUNTED_AT_FIELD, **options},
    )


@contextmanager
def serve_demo_source(world_dir: Path) -> Iterator[DltSource]:
    """Serve the world's ERP side through a NetSuite sandbox; yield the source that lands it."""
    sandbox = NetSuiteSandbox.from_world(Path(world_dir), config=demo_config())
    with sandbox.serve() as base_url:
        yield source_for(sandbox, base_url)
