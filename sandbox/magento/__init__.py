"""A local stand-in for the Magento 2 / Adobe Commerce REST API, serving a demo world's ERP side.

from sandbox.magento import MagentoSandbox, SandboxConfig

sandbox = MagentoSandbox.from_world(Path("demo/world"), config=SandboxConfig(...))
with sandbox.serve() as base_url:  # the API lives under base_url + "/rest/V1"
    ...

Magento keeps no general ledger and no bank deposits, so the demo lands those from the
world's file exports (``DEMO_FINANCE_SYSTEM``): Magento feeds operations, the files finance.
"""

from recon.settings import default_finance_system
from sandbox.magento.config import SandboxConfig
from sandbox.magento.demo import serve_demo_source
from sandbox.magento.server import MagentoSandbox
from sandbox.magento.state import ATTRIBUTE_CODES, MagentoState, magento_time

# Magento keeps no general ledger: the finance side a run defaults to (the file exports).
DEMO_FINANCE_SYSTEM = default_finance_system("magento")

__all__ = [
    "ATTRIBUTE_CODES",
    "DEMO_FINANCE_SYSTEM",
    "MagentoSandbox",
    "MagentoState",
    "SandboxConfig",
    "magento_time",
    "serve_demo_source",
]
