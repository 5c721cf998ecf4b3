"""HTTP client for the Magento REST API: authentication, retries, errors and searchCriteria pages.

Retries come from `dlt.sources.helpers.requests.Client`: 429 (honouring `Retry-After`), every
5xx, timeouts and dropped connections, with exponential backoff. What still fails after the
last attempt, and every other 4xx, becomes an error of `.exceptions`, with Magento's
``{"message", "parameters"}`` body rendered into one sentence.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from dlt.sources.helpers.requests import Client, Response
from requests.exceptions import RequestException

from ..urls import host_url
from .exceptions import (
    MagentoApiError,
    MagentoAuthError,
    MagentoConnectionError,
    MagentoResponseError,
)
from .settings import (
    ADMIN_CONFIG_HINT,
    ADMIN_TOKEN_PATH,
    BASE_URL_CONFIG_HINT,
    DEFAULT_REQUEST_BACKOFF_FACTOR,
    DEFAULT_REQUEST_MAX_ATTEMPTS,
    DEFAULT_REQUEST_MAX_RETRY_DELAY_SECONDS,
    DEFAULT_REQUEST_TIMEOUT_SECONDS,
    TOKEN_CONFIG_HINT,
)

logger = logging.getLogger("ingestion.magento")

Page = list[dict[str, Any]]

_REDACTED = "<redacted>"
_PLACEHOLDER = re.compile(r"%(\d+|[A-Za-z_][A-Za-z0-9_]*)")


def normalize_base_url(base_url: str) -> str:
    """The store URL without a trailing ``/``, ``/rest`` or ``/rest/V1``."""
    return host_url(
        base_url,
        strip=[r"/rest(/[^/]+)?/V1", r"/rest"],
        system="Magento",
        example="https://shop.example.com",
        hint=BASE_URL_CONFIG_HINT,
    )


def format_magento_time(value: dt.datetime) -> str:
    """A filter value as Magento compares it: UTC, ``YYYY-MM-DD HH:MM:SS``."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")


def render_message(message: str, parameters: Any) -> str:
    """Magento's message with ``%1`` (list parameters) or ``%name`` (object) filled in."""
    if isinstance(parameters, Mapping):
        values = {str(key): value for key, value in parameters.items()}
    elif isinstance(parameters, Sequence) and not isinstance(parameters, str):
        values = {str(index): value for index, value in enumerate(parameters, start=1)}
    else:
        return message

    def fill(match: re.Match[str]) -> str:
        key = match.group(1)
        return str(values[key]) if key in values else match.group(0)

    return _PLACEHOLDER.sub(fill, message)


@dataclass(frozen=True)
class Filter:
    field: str
    value: str
    condition_type: str = "eq"


@dataclass(frozen=True)
class SearchQuery:
    """A searchCriteria: filter groups (AND) of filters (OR) and sort orders."""

    filter_groups: Sequence[Sequence[Filter]] = ()
    sort_orders: Sequence[tuple[str, str]] = field(default_factory=tuple)

    def params(self, page_size: int, current_page: int) -> dict[str, str]:
        params: dict[str, str] = {}
        for g, group in enumerate(self.filter_groups):
            for f, item in enumerate(group):
                prefix = f"searchCriteria[filter_groups][{g}][filters][{f}]"
                params[f"{prefix}[field]"] = item.field
                params[f"{prefix}[value]"] = item.value
                params[f"{prefix}[condition_type]"] = item.condition_type
        for s, (name, direction) in enumerate(self.sort_orders):
            params[f"searchCriteria[sortOrders][{s}][field]"] = name
            params[f"searchCriteria[sortOrders][{s}][direction]"] = direction
        params["searchCriteria[pageSize]"] = str(page_size)
        params["searchCriteria[currentPage]"] = str(current_page)
        return params


class MagentoClient:
    """Authenticated calls to one Magento store's REST API.

    Args:
        base_url: Store URL, e.g. ``https://shop.example.com`` (``/rest`` is appended).
        access_token: An integration access token (or any token the store accepts as Bearer).
        username: Admin user name, used when there is no access token: the client asks
            ``POST /V1/integration/admin/token`` for a token, and again when it expires.
        password: That admin user's password.
        store_code: Store view code inserted as ``/rest/<store_code>/V1``; None uses the
            default store.
        request_timeout, max_attempts, backoff_factor, max_retry_delay: Retry behaviour.
    """

    def __init__(
        self,
        base_url: str,
        *,
        access_token: str | None = None,
        username: str | None = None,
        password: str | None = None,
        store_code: str | None = None,
        request_timeout: float = DEFAULT_REQUEST_TIMEOUT_SECONDS,
        max_attempts: int = DEFAULT_REQUEST_MAX_ATTEMPTS,
        backoff_factor: float = DEFAULT_REQUEST_BACKOFF_FACTOR,
        max_retry_delay: float = DEFAULT_REQUEST_MAX_RETRY_DELAY_SECONDS,
    ) -> None:
        token = (access_token or "").strip()
        self._admin_login = not token
        if self._admin_login and not ((username or "").strip() and (password or "")):
            raise ValueError(
                f"no Magento credentials: set {TOKEN_CONFIG_HINT} (an integration token), "
                f"or {ADMIN_CONFIG_HINT} (an admin user)"
            )
        self.base_url = normalize_base_url(base_url)
        store = (store_code or "").strip().strip("/")
        self.api_root = "/rest" + (f"/{quote(store)}" if store else "") + "/V1"
        self._token = token or None
        self._username = (username or "").strip()
        self._password = password or ""
        self._http = Client(
            request_timeout=request_timeout,
            raise_for_status=False,
            request_max_attempts=max_attempts,
            request_backoff_factor=backoff_factor,
            request_max_retry_delay=max_retry_delay,
            respect_retry_after_header=True,
        )

    def __repr__(self) -> str:
        return f"MagentoClient(base_url={self.base_url!r}, api_root={self.api_root!r})"

    def _redact(self, text: str) -> str:
        # Magento does not echo credentials, but an error body or exception is not ours to trust.
        for secret in (self._token, self._password):
            if secret and text:
                text = text.replace(secret, _REDACTED)
        return text

    # --- authentication -----------------------------------------------------------------------

    def _bearer(self) -> str:
        if self._token is None:
            self._token = self._request_admin_token()
        return self._token

    def _request_admin_token(self) -> str:
        path = self.api_root + ADMIN_TOKEN_PATH
        response = self._send(
            "POST", path, json={"username": self._username, "password": self._password}
        )
        if response.status_code >= 400:
            self._raise_for_status(response, "POST", path)
        token = self._decode(response, "POST", path)
        if not isinstance(token, str) or not token.strip():
            raise MagentoResponseError(
                f"Magento answered POST {path} with something other than a token string"
            )
        logger.info("obtained a Magento admin token for user %s", self._username)
        return token.strip()

    # --- requests -----------------------------------------------------------------------------

    def _send(self, method: str, path: str, **kwargs: Any) -> Response:
        try:
            return self._http.request(method, self.base_url + path, **kwargs)
        except RequestException as exc:
            raise MagentoConnectionError(
                f"could not {method} {path} on Magento at {self.base_url}: "
                f"{self._redact(type(exc).__name__ + ': ' + str(exc))}"
            ) from None

    def get_json(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        """GET ``/rest/V1{path}``; the JSON body with decimals read as `Decimal`."""
        full_path = self.api_root + path
        for attempt in (1, 2):
            headers = {"Authorization": f"Bearer {self._bearer()}", "Accept": "application/json"}
            response = self._send("GET", full_path, params=dict(params or {}), headers=headers)
            # An admin token expires (4 h by default): ask for a new one, once.
            if response.status_code == 401 and self._admin_login and attempt == 1:
                logger.info("Magento refused the admin token on GET %s; asking for a new one", path)
                self._token = None
                continue
            break
        if response.status_code >= 400:
            self._raise_for_status(response, "GET", full_path)
        logger.debug("GET %s -> %s", full_path, response.status_code)
        return self._decode(response, "GET", full_path)

    def _decode(self, response: Response, method: str, path: str) -> Any:
        try:
            return json.loads(response.content, parse_float=Decimal)
        except ValueError as exc:
            raise MagentoResponseError(
                f"Magento answered {method} {path} with a body that is not JSON: {exc}"
            ) from None

    def _raise_for_status(self, response: Response, method: str, path: str) -> None:
        message = self._redact(_error_message(response))
        if response.status_code in (401, 403):
            raise MagentoAuthError(
                response.status_code, message, method, path, admin_login=self._admin_login
            )
        raise MagentoApiError(response.status_code, message, method, path)

    # --- lists --------------------------------------------------------------------------------

    def search_pages(
        self, path: str, query: SearchQuery, page_size: int, key: str
    ) -> Iterator[Page]:
        """Pages of a searchCriteria list, until ``currentPage × pageSize ≥ total_count``.

        Magento answers a page past the last one with the last page again, so an empty page
        never comes: the loop stops on ``total_count``. Should the list shrink while it is
        read, the same page would come back twice; that also ends the listing.

        Args:
            path: Endpoint below ``/V1``, e.g. ``/orders``.
            query: Filters and sort orders, sent unchanged on every page.
            page_size: ``searchCriteria[pageSize]``.
            key: The field that identifies an item, to recognise a repeated page.
        """
        page = 1
        previous: list[Any] | None = None
        while True:
            body = self.get_json(path, query.params(page_size, page))
            if not isinstance(body, dict) or not isinstance(body.get("items", []), list):
                raise MagentoResponseError(
                    f"Magento answered GET {self.api_root}{path} without an `items` list"
                )
            items = body.get("items") or []
            total = body.get("total_count")
            if not isinstance(total, int) or isinstance(total, bool):
                raise MagentoResponseError(
                    f"Magento answered GET {self.api_root}{path} without an integer `total_count`"
                )
            keys = [item.get(key) if isinstance(item, dict) else item for item in items]
            if items and keys == previous:
                logger.info(
                    "GET %s%s page %s repeated the previous page: the list shrank while it "
                    "was read; the next run picks up the rest",
                    self.api_root,
                    path,
                    page,
                )
                return
            if items:
                yield items
            if not items or page * page_size >= total:
                return
            previous = keys
            page += 1

    def salable_quantity(self, sku: str, stock_id: int) -> Any:
        """GetProductSalableQty for one SKU on one stock: a bare JSON number."""
        path = "/inventory/get-product-salable-quantity/{}/{}".format(quote(sku, safe=""), stock_id)
        return self.get_json(path)


def _error_message(response: Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200].strip()
    if isinstance(body, dict) and body.get("message"):
        return render_message(str(body["message"]), body.get("parameters"))
    return json.dumps(body)[:200]
