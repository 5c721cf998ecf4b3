"""A local BigCommerce: one store's catalog, inventory, orders, shipments and refunds behind
BigCommerce's V2 and V3 REST contract (auth, paging, 204 quirks, quotas, error bodies).

BigCommerce keeps no general ledger and no bank deposits: the demo lands those from the
world's file exports beside it (`DEMO_FINANCE_SYSTEM`).
"""

from recon.settings import default_finance_system
from sandbox.bigcommerce.config import BigCommerceConfig
from sandbox.bigcommerce.demo import serve_demo_source
from sandbox.bigcommerce.server import BigCommerceSandbox
from sandbox.bigcommerce.store import Store

# BigCommerce keeps no general ledger: the finance side a run defaults to (the file exports).
DEMO_FINANCE_SYSTEM = default_finance_system("bigcommerce")

__all__ = [
    "DEMO_FINANCE_SYSTEM",
    "BigCommerceConfig",
    "BigCommerceSandbox",
    "Store",
    "serve_demo_source",
]
