"""HTTP client for the Mirakl seller API: authentication, retries, errors and both paginations.

Retries come from `dlt.sources.helpers.requests.Client`: it retries 429 (waiting for the
`Retry-After` seconds, capped at `max_retry_delay`), every 5xx, timeouts and dropped
connections, with exponential backoff between attempts. Statuses still failing after the last
attempt, and every other 4xx, become the errors of `.exceptions`.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from dlt.sources.helpers.requests import Client, Response
from requests.exceptions import RequestException

from recon.timestamps import format_utc

from ..urls import host_url
from .exceptions import (
    MiraklApiError,
    MiraklAuthError,
    MiraklConnectionError,
    MiraklResponseError,
)
from .settings import (
    API_KEY_CONFIG_HINT,
    API_PREFIX,
    BASE_URL_CONFIG_HINT,
    DEFAULT_REQUEST_BACKOFF_FACTOR,
    DEFAULT_REQUEST_MAX_ATTEMPTS,
    DEFAULT_REQUEST_MAX_RETRY_DELAY_SECONDS,
    DEFAULT_REQUEST_TIMEOUT_SECONDS,
)

logger = logging.getLogger("ingestion.mirakl")

Page = list[dict[str, Any]]

_REDACTED = "<redacted>"


def normalize_base_url(base_url: str) -> str:
    """The instance URL without a trailing `/` or `/api`: `https://x.mirakl.net/api/` → `https://x.mirakl.net`."""
    return host_url(
        base_url,
        strip=[re.escape(API_PREFIX)],
        system="Mirakl",
        example="https://<instance>.mirakl.net",
        hint=BASE_URL_CONFIG_HINT,
    )


def format_api_datetime(value: dt.datetime) -> str:
    """A date-time as Mirakl reads it in query strings: ISO 8601 in UTC with a trailing Z."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return format_utc(value)


class MiraklClient:
    """Authenticated GETs against one Mirakl instance, as one shop.

    Args:
        base_url: Instance URL, e.g. `https://acme.mirakl.net` (a trailing `/api` is accepted).
        api_key: The shop API key, sent raw in the `Authorization` header.
        shop_id: Sent as the `shop_id` query parameter on every call when set.
        request_timeout: Seconds to wait for a response before retrying.
        max_attempts: Attempts per request, the first one included.
        backoff_factor: Multiplier of the exponential wait between attempts, in seconds.
        max_retry_delay: Longest wait between attempts, `Retry-After` included, in seconds.
    """

    def __init__(
        self,
        base_url: str,
        api_key: str,
        shop_id: int | None = None,
        *,
        request_timeout: float = DEFAULT_REQUEST_TIMEOUT_SECONDS,
        max_attempts: int = DEFAULT_REQUEST_MAX_ATTEMPTS,
        backoff_factor: float = DEFAULT_REQUEST_BACKOFF_FACTOR,
        max_retry_delay: float = DEFAULT_REQUEST_MAX_RETRY_DELAY_SECONDS,
    ) -> None:
        if not api_key or not str(api_key).strip():
            raise ValueError(f"the Mirakl API key is empty; set {API_KEY_CONFIG_HINT}")
        self.base_url = normalize_base_url(base_url)
        self.shop_id = shop_id
        self._api_key = str(api_key).strip()
        # Statuses are checked here, after the retries, so that they become Mirakl errors.
        self._http = Client(
            request_timeout=request_timeout,
            raise_for_status=False,
            request_max_attempts=max_attempts,
            request_backoff_factor=backoff_factor,
            request_max_retry_delay=max_retry_delay,
            respect_retry_after_header=True,
        )

    def __repr__(self) -> str:
        return f"MiraklClient(base_url={self.base_url!r}, shop_id={self.shop_id!r})"

    def _redact(self, text: str) -> str:
        # Mirakl does not echo the key, but an error body is not ours to trust.
        return text.replace(self._api_key, _REDACTED) if text else text

    def get_json(self, path: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """GET `/api{path}` and return the JSON body, numbers with decimals read as `Decimal`."""
        return self.send_json("GET", API_PREFIX + path, params=params)

    def post_json(self, path: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """POST a JSON body to `/api{path}` and return the JSON answer."""
        return self.send_json("POST", API_PREFIX + path, json_body=body)

    def send_json(
        self,
        method: str,
        path_or_url: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Send one request (a path below the instance, or a URL Mirakl handed out) with retries.

        URLs Mirakl hands out (OR14's export files) are on the instance too and take the key.
        """
        query = {key: value for key, value in (params or {}).items() if value is not None}
        if self.shop_id is not None:
            query["shop_id"] = self.shop_id
        absolute = path_or_url.startswith(("http://", "https://"))
        url = path_or_url if absolute else self.base_url + path_or_url
        label = urlsplit(url).path
        try:
            response = self._http.request(
                method,
                url,
                params=query,
                json=json_body,
                headers={"Authorization": self._api_key, "Accept": "application/json"},
            )
        except RequestException as exc:
            raise MiraklConnectionError(
                f"could not {method} {label} at Mirakl {self.base_url}: "
                f"{self._redact(type(exc).__name__ + ': ' + str(exc))}"
            ) from None
        if response.status_code >= 400:
            self._raise_for_status(response, label)
        try:
            body = json.loads(response.content, parse_float=Decimal)
        except ValueError as exc:
            raise MiraklResponseError(
                f"Mirakl answered {method} {label} with a body that is not JSON: {exc}"
            ) from None
        if not isinstance(body, dict):
            raise MiraklResponseError(
                f"Mirakl answered {method} {label} with JSON that is not an object"
            )
        logger.debug("%s %s %s -> %s", method, label, _loggable(query), response.status_code)
        return body

    def _raise_for_status(self, response: Response, path: str) -> None:
        message = self._redact(_error_message(response))
        if response.status_code in (401, 403):
            raise MiraklAuthError(response.status_code, message, path)
        raise MiraklApiError(response.status_code, message, path)

    def offset_pages(
        self,
        path: str,
        collection: str,
        params: Mapping[str, Any] | None = None,
        page_size: int = 100,
    ) -> Iterator[Page]:
        """Pages of an offset-paginated list (`max`/`offset`), until `total_count` is reached.

        Args:
            path: Endpoint path below `/api`, e.g. `/orders`.
            collection: Key of the items in the body, e.g. `orders`.
            params: Filters, sent unchanged on every page.
            page_size: Items per page (`max`), at most 100.
        """
        offset = 0
        while True:
            body = self.get_json(path, {**(params or {}), "max": page_size, "offset": offset})
            items = _items(body, collection, path)
            total = body.get("total_count")
            if items:
                yield items
            offset += len(items)
            # An empty page ends the listing even if total_count promised more: the list
            # shrank while it was being read, and asking again would loop forever.
            if not items or total is None or offset >= int(total):
                return

    def seek_pages(
        self,
        path: str,
        params: Mapping[str, Any] | None = None,
        page_size: int = 100,
    ) -> Iterator[Page]:
        """Pages of a seek-paginated list (`limit`, `page_token` ← `next_page_token`).

        Args:
            path: Endpoint path below `/api`, e.g. `/sellerpayment/transactions_logs`.
            params: Filters and sort for the first page; the token carries them afterwards.
            page_size: Items per page (`limit`), at most the endpoint's maximum.
        """
        query: dict[str, Any] = {**(params or {}), "limit": page_size}
        seen_tokens: set[str] = set()
        while True:
            body = self.get_json(path, query)
            items = _items(body, "data", path)
            if items:
                yield items
            token = body.get("next_page_token")
            if not token:
                return
            if token in seen_tokens:
                raise MiraklResponseError(
                    f"Mirakl returned the same next_page_token twice on GET {API_PREFIX}{path}"
                )
            seen_tokens.add(token)
            # The token embeds the original parameters; Mirakl ignores the others with it.
            query = {"page_token": token}

    def list_all(self, path: str, collection: str) -> Page:
        """Every item of an unpaginated list, e.g. SH21 carriers."""
        return _items(self.get_json(path), collection, path)


def _items(body: Mapping[str, Any], collection: str, path: str) -> Page:
    items = body.get(collection)
    if items is None:
        return []
    if not isinstance(items, list):
        raise MiraklResponseError(
            f"Mirakl answered GET {API_PREFIX}{path} with `{collection}` that is not a list"
        )
    return items


def _error_message(response: Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200].strip()
    if isinstance(body, dict) and body.get("message"):
        return str(body["message"])
    return json.dumps(body)[:200]


def _loggable(query: Mapping[str, Any]) -> str:
    return "&".join(f"{key}={value}" for key, value in query.items())
