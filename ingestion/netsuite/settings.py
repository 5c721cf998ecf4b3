"""Constants of NetSuite's SuiteTalk REST API and of this source's defaults."""

from __future__ import annotations

SUITEQL_PATH = "/services/rest/query/v1/suiteql"
# Account-specific domain (erp-apis.md §1.1): the account id lower-cased, "_" turned into "-".
HOST_TEMPLATE = "https://{host_id}.suitetalk.api.netsuite.com"

# SuiteQL answers at most 1000 rows a page, and pages through at most 100,000 rows a query
# without SuiteAnalytics Connect; past that the source restarts after the last key it saw.
MAX_PAGE_SIZE = 1000
DEFAULT_MAX_RESULTS_PER_QUERY = 100_000

# How date-times are asked for: SuiteQL shows a date-time selected as it is as a date only, in
# the user's date format, so the source formats every one itself, in the account's time zone.
DATETIME_MODEL = 'YYYY-MM-DD"T"HH24:MI:SS'
DATETIME_PATTERN = "%Y-%m-%dT%H:%M:%S"
DATE_MODEL = "YYYY-MM-DD"
FILTER_MODEL = "YYYY-MM-DD HH24:MI:SS"
FILTER_PATTERN = "%Y-%m-%d %H:%M:%S"

# The tenant conventions this source ships with (README "ERP systems"); each is configurable.
DEFAULT_ORDER_ID_FIELD = "otherrefnum"
DEFAULT_ITEM_SHOP_SKU_FIELD = "custitem_mirakl_shop_sku"
DEFAULT_ITEM_CASE_SIZE_FIELD = "custitem_mirakl_case_size"
DEFAULT_ITEM_SAFETY_STOCK_FIELD = "custitem_mirakl_safety_stock"
DEFAULT_ITEM_LISTED_FIELD = "custitem_mirakl_listed"
DEFAULT_LEDGER_ORDER_ID_FIELD = "custcol_mirakl_order_id"
DEFAULT_LEDGER_PAYOUT_REFERENCE_FIELD = "custcol_mirakl_payout_reference"
DEFAULT_DEPOSIT_REFERENCE_FIELD = "memo"
DEFAULT_ITEM_TYPES = ("InvtPart", "Assembly")
DEFAULT_REFUND_TYPES = ("CustCred", "CashRfnd")
DEFAULT_LEDGER_TYPES = ("Journal", "Deposit")
DEFAULT_ACCOUNTING_BOOK = 1

DEFAULT_REPULL_WINDOW_MINUTES = 60

# HTTP behaviour. NetSuite limits concurrent requests per account, not requests per minute: a
# refusal clears as soon as another integration's request ends, so waits stay short.
DEFAULT_REQUEST_TIMEOUT_SECONDS = 120.0
DEFAULT_REQUEST_MAX_ATTEMPTS = 8
DEFAULT_REQUEST_BACKOFF_FACTOR = 1.0
DEFAULT_REQUEST_MAX_RETRY_DELAY_SECONDS = 60.0

# Error codes that mean "too many concurrent requests" wherever NetSuite sends them (REST's own
# code is not documented; RESTlets and SOAP use the others), besides any HTTP 429.
CONCURRENCY_ERROR_CODES = frozenset(
    {
        "CONCURRENCY_LIMIT_EXCEEDED",
        "SSS_REQUEST_LIMIT_EXCEEDED",
        "WS_REQUEST_BLOCKED",
        "WS_CONCUR_SESSION_DISALLWD",
    }
)

CREDENTIALS_CONFIG_HINT = (
    "consumer_key, consumer_secret, token_id and token_secret (token-based authentication) or "
    "access_token (OAuth 2.0) under [sources.netsuite] in .dlt/secrets.toml, or the environment "
    "variables SOURCES__NETSUITE__<NAME>"
)
ACCOUNT_CONFIG_HINT = (
    "`account_id` under [sources.netsuite] in .dlt/config.toml, "
    "or the environment variable SOURCES__NETSUITE__ACCOUNT_ID"
)
