"""Constants of the Magento REST API and of this source's defaults."""

from __future__ import annotations

# Endpoint paths below <store>/rest[/<store_code>]/V1.
ADMIN_TOKEN_PATH = "/integration/admin/token"
PRODUCTS_PATH = "/products"
SOURCE_ITEMS_PATH = "/inventory/source-items"
SALABLE_QUANTITY_PATH = "/inventory/get-product-salable-quantity/{sku}/{stock_id}"
ORDERS_PATH = "/orders"
SHIPMENTS_PATH = "/shipments"
CREDIT_MEMOS_PATH = "/creditmemos"

# Magento's default stock (MSI); a store selling through other stocks sets stock_id.
DEFAULT_STOCK_ID = 1
# Items per searchCriteria page. Magento has no limit unless Web API input limits are on,
# which cap pageSize at 300 by default.
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 300
# Each incremental run starts this much before the last updated_at seen.
DEFAULT_REPULL_WINDOW_MINUTES = 60

# HTTP behaviour: Magento has no general REST rate limit, but a proxy in front of it may
# answer 429/503; both are retried, honouring Retry-After.
DEFAULT_REQUEST_TIMEOUT_SECONDS = 60.0
DEFAULT_REQUEST_MAX_ATTEMPTS = 6
DEFAULT_REQUEST_BACKOFF_FACTOR = 1.0
DEFAULT_REQUEST_MAX_RETRY_DELAY_SECONDS = 120.0

# Where a user fixes a rejected credential; named in error messages.
TOKEN_CONFIG_HINT = (
    "`access_token` under [sources.magento] in .dlt/secrets.toml, "
    "or the environment variable SOURCES__MAGENTO__ACCESS_TOKEN"
)
ADMIN_CONFIG_HINT = (
    "`username` and `password` under [sources.magento] in .dlt/secrets.toml, "
    "or SOURCES__MAGENTO__USERNAME and SOURCES__MAGENTO__PASSWORD"
)
BASE_URL_CONFIG_HINT = (
    "`base_url` under [sources.magento] in .dlt/config.toml, "
    "or the environment variable SOURCES__MAGENTO__BASE_URL"
)
