"""Constants of the BigCommerce REST API and of this source's defaults."""

from __future__ import annotations

DEFAULT_API_BASE_URL = "https://api.bigcommerce.com"

# Endpoint paths below /stores/{store_hash}/v2 or /v3.
ORDERS_PATH = "/orders"  # V2
ORDER_PRODUCTS_PATH = "/orders/{order_id}/products"  # V2
ORDER_SHIPMENTS_PATH = "/orders/{order_id}/shipments"  # V2
PRODUCTS_PATH = "/catalog/products"  # V3, with include=variants,custom_fields
LOCATIONS_PATH = "/inventory/locations"  # V3
INVENTORY_ITEMS_PATH = "/inventory/items"  # V3
REFUNDS_PATH = "/orders/payment_actions/refunds"  # V3

# BigCommerce's general maximum page size (V2 and V3 catalog).
MAX_PAGE_SIZE = 250

# Each incremental run starts this far before the last change seen, for edits that reach the
# API late; re-pulled records are merged, never duplicated.
DEFAULT_REPULL_WINDOW_MINUTES = 60

DEFAULT_REQUEST_TIMEOUT_SECONDS = 60.0
DEFAULT_REQUEST_MAX_ATTEMPTS = 6
DEFAULT_REQUEST_BACKOFF_FACTOR = 1.0
# A quota window is 30 s; a wait longer than this means something else is wrong.
DEFAULT_REQUEST_MAX_RETRY_DELAY_SECONDS = 120.0
# 429s tolerated for one request before giving up (each waits for the window to refresh).
DEFAULT_MAX_RATE_LIMIT_WAITS = 10

TOKEN_CONFIG_HINT = (
    "`access_token` under [sources.bigcommerce] in .dlt/secrets.toml, "
    "or the environment variable SOURCES__BIGCOMMERCE__ACCESS_TOKEN"
)
STORE_HASH_CONFIG_HINT = (
    "`store_hash` under [sources.bigcommerce] in .dlt/config.toml, "
    "or the environment variable SOURCES__BIGCOMMERCE__STORE_HASH"
)
