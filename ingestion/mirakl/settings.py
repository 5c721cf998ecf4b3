"""Constants of the Mirakl seller API and of this source's defaults."""

from __future__ import annotations

API_PREFIX = "/api"

# Endpoint paths, relative to <instance>/api.
ORDERS_PATH = "/orders"  # OR11
OFFERS_PATH = "/offers"  # OF21
CARRIERS_PATH = "/shipping/carriers"  # SH21
REASONS_PATH = "/reasons"  # RE01
TRANSACTION_LOGS_PATH = "/sellerpayment/transactions_logs"  # TL02
BILLING_CYCLES_PATH = "/seller-billing-cycles"  # SBC11
INVOICES_PATH = "/invoices"  # IV01
ORDER_EXPORT_PATH = "/orders/async-export"  # OR13
ORDER_EXPORT_STATUS_PATH = "/orders/async-export/status/{tracking_id}"  # OR14

# How the first orders run backfills history: "paging" (OR11) or "async_export" (OR13-15).
ORDER_BACKFILL_MODES = ("paging", "async_export")
# OR14 may be called every 2 s at most; Mirakl recommends every 10 s.
DEFAULT_EXPORT_POLL_INTERVAL_SECONDS = 10.0
DEFAULT_EXPORT_TIMEOUT_SECONDS = 3600.0

# Page sizes: Mirakl's maximum per endpoint.
OFFSET_MAX_PAGE_SIZE = 100  # OR11, OF21, IV01 (`max`)
TRANSACTION_LOGS_MAX_PAGE_SIZE = 2000  # TL02 (`limit`)
BILLING_CYCLES_MAX_PAGE_SIZE = 1000  # SBC11 (`limit`)

# Mirakl already widens OR11's `start_update_date` by a delta of its own; the window below is
# ours, for edits that reach the API after records with a later update date were pulled.
DEFAULT_REPULL_WINDOW_MINUTES = 60

# HTTP behaviour. Mirakl answers 429 with Retry-After in seconds and TL02 allows only 20 calls a
# minute, so a wait of up to ten minutes is honoured rather than cut short.
DEFAULT_REQUEST_TIMEOUT_SECONDS = 60.0
DEFAULT_REQUEST_MAX_ATTEMPTS = 8
DEFAULT_REQUEST_BACKOFF_FACTOR = 1.0
DEFAULT_REQUEST_MAX_RETRY_DELAY_SECONDS = 600.0

# Where a user fixes a rejected key; named in error messages.
API_KEY_CONFIG_HINT = (
    "`api_key` under [sources.mirakl] in .dlt/secrets.toml, "
    "or the environment variable SOURCES__MIRAKL__API_KEY"
)
SHOP_ID_CONFIG_HINT = (
    "`shop_id` under [sources.mirakl] in .dlt/config.toml, "
    "or the environment variable SOURCES__MIRAKL__SHOP_ID"
)
BASE_URL_CONFIG_HINT = (
    "`base_url` under [sources.mirakl] in .dlt/config.toml, "
    "or the environment variable SOURCES__MIRAKL__BASE_URL"
)
