"""Constants of the Inventory Planner public API and of this source's defaults."""

from __future__ import annotations

DEFAULT_BASE_URL = "https://app.inventory-planner.com"
# Only this prefix is routable; anything else is refused by the CDN in front of the API.
API_PREFIX = "/api/v1"
VARIANTS_PATH = "/variants"
PURCHASE_ORDERS_PATH = "/purchase-orders"

# Public clients use limit=100; 1000 is the largest page seen documented (unconfirmed).
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000

# The fields asked for with `fields=` (an allow-list): a variant carries a hundred or so
# metrics, of which reconciliation needs these.
VARIANT_FIELDS = (
    "id",
    "sku",
    "title",
    "barcode",
    "price",
    "cost_price",
    "in_stock",
    "warehouse",
    "lead_time",
    "review_period",
    "replenishment",
    "to_order",
    "oos",
    "purchase_orders_qty",
    "last_30_days_sales",
    "current_forecast",
    "forecast_description",
    "removed",
    "created_at",
    "updated_at",
)
PURCHASE_ORDER_FIELDS = (
    "id",
    "type",
    "status",
    "reference",
    "vendor",
    "warehouse",
    "currency",
    "created_date",
    "expected_date",
    "total",
    "total_ordered",
    "total_received",
    "items",
    "created_at",
    "updated_at",
    "last_modified",
)

# Inventory Planner documents no rate limit; retries still honour Retry-After on a 429.
DEFAULT_REQUEST_TIMEOUT_SECONDS = 60.0
DEFAULT_REQUEST_MAX_ATTEMPTS = 8
DEFAULT_REQUEST_BACKOFF_FACTOR = 1.0
DEFAULT_REQUEST_MAX_RETRY_DELAY_SECONDS = 300.0

USER_AGENT = "mirakl-recon (inventory_planner source)"

# Where a user fixes a rejected credential; named in error messages.
CREDENTIALS_CONFIG_HINT = (
    "`api_key` and `account_id` under [sources.inventory_planner] in .dlt/secrets.toml, "
    "or the environment variables SOURCES__INVENTORY_PLANNER__API_KEY and "
    "SOURCES__INVENTORY_PLANNER__ACCOUNT_ID"
)
BASE_URL_CONFIG_HINT = (
    "`base_url` under [sources.inventory_planner] in .dlt/config.toml, "
    "or the environment variable SOURCES__INVENTORY_PLANNER__BASE_URL"
)
