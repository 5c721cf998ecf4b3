"""Constants of the Business Central API v2.0 and of this source's defaults."""

from __future__ import annotations

# Hosts of Business Central online and of Microsoft Entra (the token endpoint).
DEFAULT_BASE_URL = "https://api.businesscentral.dynamics.com"
DEFAULT_LOGIN_URL = "https://login.microsoftonline.com"
API_VERSION_PATH = "api/v2.0"
TOKEN_PATH = "oauth2/v2.0/token"
SCOPE = "https://api.businesscentral.dynamics.com/.default"

# BC online serves at most 20,000 entities per page; `Prefer: odata.maxpagesize` may lower it.
MAX_PAGE_SIZE = 20_000

# Default entity sets of the marketplace extension's custom API pages (see README).
DEFAULT_SHIPMENT_TRACKINGS_PAGE = "shipmentTrackings"
DEFAULT_ITEM_LOCATION_STOCKS_PAGE = "itemLocationStocks"
DEFAULT_MARKETPLACE_ITEMS_PAGE = "marketplaceItems"

# Each incremental run starts this long before the newest lastModifiedDateTime seen, for
# postings whose timestamp reaches the API after later ones were read.
DEFAULT_REPULL_WINDOW_MINUTES = 60

# A token is renewed when it has less than this left, so that no request races its expiry.
TOKEN_RENEWAL_MARGIN_SECONDS = 120

# HTTP behaviour: 429 (Retry-After honoured when sent), 5xx, timeouts and dropped connections
# are retried with exponential backoff. BC's window is 5 minutes, so long waits are honoured.
DEFAULT_REQUEST_TIMEOUT_SECONDS = 60.0
DEFAULT_REQUEST_MAX_ATTEMPTS = 8
DEFAULT_REQUEST_BACKOFF_FACTOR = 1.0
DEFAULT_REQUEST_MAX_RETRY_DELAY_SECONDS = 300.0

# Where a user fixes a setting; named in error messages.
SECRETS_HINT = (
    "`tenant`, `client_id` and `client_secret` under [sources.business_central] in "
    ".dlt/secrets.toml, or the environment variables SOURCES__BUSINESS_CENTRAL__TENANT, "
    "SOURCES__BUSINESS_CENTRAL__CLIENT_ID and SOURCES__BUSINESS_CENTRAL__CLIENT_SECRET"
)
COMPANY_HINT = (
    "`company` under [sources.business_central] in .dlt/config.toml, "
    "or the environment variable SOURCES__BUSINESS_CENTRAL__COMPANY"
)
ENVIRONMENT_HINT = (
    "`environment` under [sources.business_central] in .dlt/config.toml, "
    "or the environment variable SOURCES__BUSINESS_CENTRAL__ENVIRONMENT"
)
CUSTOM_API_HINT = (
    "`custom_api_path` (publisher/group/version) and the `*_page` entity sets under "
    "[sources.business_central] in .dlt/config.toml"
)
