"""`recon demo --erp magento`: the world's ERP side served by the Magento sandbox."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from dlt.extract.source import DltSource

from sandbox.magento.config import SandboxConfig
from sandbox.magento.server import MagentoSandbox


@contextmanager
def serve_demo_source(world_dir: Path) -> Iterator[DltSource]:
    """Serve the world through a Magento sandbox; yield the Magento source configured for it.

    The integration token is made up for this run, accepted as a Bearer token by the sandbox
    only, and never printed or stored.
    """
    from ingestion.magento import magento_source

    token = secrets.token_urlsafe(24)
    config = SandboxConfig(access_token=token, integration_token_as_bearer=True)
    sandbox = MagentoSandbox.from_world(Path(world_dir), config=config)
    with sandbox.serve() as base_url:
        yield magento_source(base_url=base_url, access_token=token, stock_id=config.stock_id)
