"""HTTP client for BigCommerce's REST API: auth, quota-aware throttling, retries, both pagings.

Quota: BigCommerce gives each store a number of requests per window, shared by every app, and
reports what is left on every answer (`X-Rate-Limit-Requests-Left`, `X-Rate-Limit-Time-Reset-Ms`).
The client waits for the window to refresh *before* a request when the quota is down to
`rate_limit_reserve`, so it does not spend the store's last requests; and when another app
spent them anyway (429), it waits as long as BigCommerce says (the longer of the reset time and
`X-Retry-After`) and tries again. A 429 without those headers means platform load: it backs
off exponentially. 5xx answers, timeouts and dropped connections are retried by dlt's
`requests` helper with exponential backoff. Other statuses become the errors of `.exceptions`.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from typing import Any

from dlt.sources.helpers.requests import Client, Response
from requests.exceptions import RequestException

from .exceptions import (
    BigCommerceApiError,
    BigCommerceAuthError,
    BigCommerceConnectionError,
    BigCommerceResponseError,
)
from .settings import (
    DEFAULT_MAX_RATE_LIMIT_WAITS,
    DEFAULT_REQUEST_BACKOFF_FACTOR,
    DEFAULT_REQUEST_MAX_ATTEMPTS,
    DEFAULT_REQUEST_MAX_RETRY_DELAY_SECONDS,
    DEFAULT_REQUEST_TIMEOUT_SECONDS,
    STORE_HASH_CONFIG_HINT,
    TOKEN_CONFIG_HINT,
)

logger = logging.getLogger("ingestion.bigcommerce")

Page = list[dict[str, Any]]
_REDACTED = "<redacted>"


class BigCommerceClient:
    """Authenticated GETs against one store's `/stores/{store_hash}/v2` and `/v3`.

    Args:
        api_base_url: `https://api.bigcommerce.com`, or a sandbox's address.
        store_hash: The store's permanent id.
        access_token: The API account token, sent in `X-Auth-Token`.
        rate_limit_reserve: Requests of the window left untouched for other apps: at or below
            it, the client waits for the window to refresh.
        max_rate_limit_waits: 429 answers tolerated for one request before giving up.
    """

    def __init__(
        self,
        api_base_url: str,
        store_hash: str,
        access_token: str,
        *,
        rate_limit_reserve: int = 0,
        request_timeout: float = DEFAULT_REQUEST_TIMEOUT_SECONDS,
        max_attempts: int = DEFAULT_REQUEST_MAX_ATTEMPTS,
        backoff_factor: float = DEFAULT_REQUEST_BACKOFF_FACTOR,
        max_retry_delay: float = DEFAULT_REQUEST_MAX_RETRY_DELAY_SECONDS,
        max_rate_limit_waits: int = DEFAULT_MAX_RATE_LIMIT_WAITS,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not access_token or not str(access_token).strip():
            raise ValueError(f"the BigCommerce access token is empty; set {TOKEN_CONFIG_HINT}")
        store_hash = (store_hash or "").strip().strip("/")
        if not store_hash or "/" in store_hash:
            raise ValueError(
                f"store_hash {store_hash!r} is not a store hash; set {STORE_HASH_CONFIG_HINT}"
            )
        base = (api_base_url or "").strip().rstrip("/")
        if not base.startswith(("https://", "http://")):
            raise ValueError(f"api_base_url {api_base_url!r} is not an http(s) URL")
        if rate_limit_reserve < 0:
            raise ValueError(f"rate_limit_reserve must not be negative, got {rate_limit_reserve}")
        self.store_url = f"{base}/stores/{store_hash}"
        self._token = str(access_token).strip()
        self._reserve = rate_limit_reserve
        self._max_waits = max_rate_limit_waits
        self._max_delay = max_retry_delay
        self._backoff = backoff_factor
        self._sleep = sleep
        self._clock = clock
        # What the last answer said of the quota: requests left, and when the window refreshes.
        self._left: int | None = None
        self._refresh_at: float | None = None
        self.throttled_seconds = 0.0
        self.rate_limited = 0
        # 5xx, timeouts and dropped connections; 429 is handled here, with the quota headers.
        self._http = Client(
            request_timeout=request_timeout,
            raise_for_status=False,
            status_codes=tuple(range(500, 600)),
            request_max_attempts=max_attempts,
            request_backoff_factor=backoff_factor,
            request_max_retry_delay=max_retry_delay,
        )

    def __repr__(self) -> str:
        return f"BigCommerceClient(store_url={self.store_url!r})"

    def _redact(self, text: str) -> str:
        return text.replace(self._token, _REDACTED) if text else text

    # --- one request --------------------------------------------------------------------------

    def get(self, version: str, path: str, params: Mapping[str, Any] | None = None) -> Any:
        """GET `/{version}{path}`: the JSON body (decimals as Decimal), or None for 204."""
        full_path = f"/{version}{path}"
        query = {key: value for key, value in (params or {}).items() if value is not None}
        waits = 0
        while True:
            self._wait_for_quota()
            try:
                response = self._http.get(
                    self.store_url + full_path,
                    params=query,
                    headers={"X-Auth-Token": self._token, "Accept": "application/json"},
                )
            except RequestException as exc:
                raise BigCommerceConnectionError(
                    f"could not get {full_path} from BigCommerce at {self.store_url}: "
                    f"{self._redact(type(exc).__name__ + ': ' + str(exc))}"
                ) from None
            self._remember_quota(response)
            if response.status_code != 429:
                break
            waits += 1
            self.rate_limited += 1
            if waits > self._max_waits:
                self._raise_for_status(response, full_path)
            self._wait_after_429(response, waits)
        if response.status_code == 204:
            return None
        if response.status_code >= 400:
            self._raise_for_status(response, full_path)
        try:
            return json.loads(response.content, parse_float=Decimal)
        except ValueError as exc:
            raise BigCommerceResponseError(
                f"BigCommerce answered GET {full_path} with a body that is not JSON: {exc}"
            ) from None

    def _remember_quota(self, response: Response) -> None:
        left = _header_int(response, "X-Rate-Limit-Requests-Left")
        reset_ms = _header_int(response, "X-Rate-Limit-Time-Reset-Ms")
        if left is None or reset_ms is None:
            self._left = self._refresh_at = None
            return
        self._left = left
        self._refresh_at = self._clock() + reset_ms / 1000

    def _wait_for_quota(self) -> None:
        if self._left is None or self._refresh_at is None or self._left > self._reserve:
            return
        delay = min(self._refresh_at - self._clock(), self._max_delay)
        self._left = None
        if delay > 0:
            logger.info("BigCommerce request quota spent: waiting %.2f s for it to refresh", delay)
            self.throttled_seconds += delay
            self._sleep(delay)

    def _wait_after_429(self, response: Response, attempt: int) -> None:
        reset_ms = _header_int(response, "X-Rate-Limit-Time-Reset-Ms")
        retry_after = _header_int(response, "X-Retry-After")
        if reset_ms is None and retry_after is None:
            # No quota headers: the platform is under load, not this store's quota.
            delay = self._backoff * 2 ** (attempt - 1)
        else:
            delay = max((reset_ms or 0) / 1000, retry_after or 0)
        delay = min(delay, self._max_delay)
        logger.info("BigCommerce answered 429: waiting %.2f s before retrying", delay)
        self.throttled_seconds += delay
        self._left = None
        self._sleep(delay)

    def _raise_for_status(self, response: Response, path: str) -> None:
        message = self._redact(_error_message(response))
        if response.status_code in (401, 403):
            raise BigCommerceAuthError(response.status_code, message, path)
        raise BigCommerceApiError(response.status_code, message, path)

    # --- pagination ---------------------------------------------------------------------------

    def v2_pages(
        self, path: str, params: Mapping[str, Any] | None = None, page_size: int = 250
    ) -> Iterator[Page]:
        """Pages of a V2 collection (`page`/`limit`, bare JSON arrays) until 204 or a short page."""
        page = 1
        while True:
            body = self.get("v2", path, {**(params or {}), "page": page, "limit": page_size})
            if body is None:
                return
            if not isinstance(body, list):
                raise BigCommerceResponseError(
                    f"BigCommerce answered GET /v2{path} with JSON that is not an array"
                )
            if body:
                yield body
            if len(body) < page_size:
                return
            page += 1

    def v3_pages(
        self, path: str, params: Mapping[str, Any] | None = None, page_size: int = 250
    ) -> Iterator[Page]:
        """Pages of a V3 collection (`data[]`), following `meta.pagination` when it is given
        and otherwise reading until an empty or short page (refunds carry no pagination)."""
        page = 1
        while True:
            body = self.get("v3", path, {**(params or {}), "page": page, "limit": page_size})
            data = body.get("data") if isinstance(body, dict) else None
            if not isinstance(data, list):
                raise BigCommerceResponseError(
                    f"BigCommerce answered GET /v3{path} without a `data` array"
                )
            if data:
                yield data
            pagination = (body.get("meta") or {}).get("pagination")
            if isinstance(pagination, dict) and pagination.get("total_pages") is not None:
                if page >= int(pagination["total_pages"]) or not data:
                    return
            elif len(data) < page_size:
                return
            page += 1


def _header_int(response: Response, name: str) -> int | None:
    value = response.headers.get(name)
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _error_message(response: Response) -> str:
    """V2 answers `[{"status", "message"}]`, V3 `{"status", "title", "type", "errors"}`."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:200].strip()
    if isinstance(body, list):
        messages = [str(item.get("message")) for item in body if isinstance(item, dict)]
        if messages:
            return "; ".join(messages)
    if isinstance(body, dict) and body.get("title"):
        errors = body.get("errors") or {}
        detail = (
            "; ".join(f"{key}: {value}" for key, value in errors.items())
            if isinstance(errors, dict)
            else ""
        )
        return f"{body['title']}" + (f" ({detail})" if detail else "")
    return json.dumps(body)[:200]
