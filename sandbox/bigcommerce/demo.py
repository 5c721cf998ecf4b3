"""`recon demo --erp bigcommerce`: the world's ERP side served by a BigCommerce sandbox."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from dlt.extract.source import DltSource

from sandbox.bigcommerce.config import BigCommerceConfig
from sandbox.bigcommerce.server import BigCommerceSandbox

# The demo pulls every order's products and shipments: as many calls as an Enterprise plan
# allows in a window, so the demo is not spent waiting for Standard-plan quotas.
DEMO_REQUESTS_QUOTA = 20_000


@contextmanager
def serve_demo_source(world_dir: Path) -> Iterator[DltSource]:
    """Serve the world with a throwaway token and yield `bigcommerce_source` configured for it."""
    from ingestion.bigcommerce import bigcommerce_source

    token = secrets.token_urlsafe(24)
    config = BigCommerceConfig(
        store_hash="demo" + secrets.token_hex(3),
        access_token=token,
        requests_quota=DEMO_REQUESTS_QUOTA,
    )
    sandbox = BigCommerceSandbox.from_world(Path(world_dir), config)
    with sandbox.serve() as base_url:
        yield bigcommerce_source(
            store_hash=config.store_hash, access_token=token, api_base_url=base_url
        )
