"""HTTP client for the Inventory Planner public API: authentication, retries, errors, paging.

Retries come from `dlt.sources.helpers.requests.Client`: 429 (waiting for `Retry-After`, capped
at `max_retry_delay`), every 5xx, timeouts and dropped connections, with exponential backoff.
Statuses still failing after the last attempt, every other 4xx, and a 2xx body carrying a
`result` error object become the errors of `.errors`.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any

from dlt.sources.helpers.requests import Client, Response
from requests.exceptions import RequestException

from ..urls import host_url
from .errors import (
    InventoryPlannerApiError,
    InventoryPlannerAuthError,
    InventoryPlannerConnectionError,
    InventoryPlannerResponseError,
)
from .settings import (
    API_PREFIX,
    BASE_URL_CONFIG_HINT,
    CREDENTIALS_CONFIG_HINT,
    DEFAULT_REQUEST_BACKOFF_FACTOR,
    DEFAULT_REQUEST_MAX_ATTEMPTS,
    DEFAULT_REQUEST_MAX_RETRY_DELAY_SECONDS,
    DEFAULT_REQUEST_TIMEOUT_SECONDS,
    USER_AGENT,
)

logger = logging.getLogger("ingestion.inventory_planner")

Page = list[dict[str, Any]]
_REDACTED = "<redacted>"


def normalize_base_url(base_url: str) -> str:
    """The host URL without a trailing `/` or `/api/v1`."""
    return host_url(
        base_url,
        strip=[re.escape(API_PREFIX)],
        system="Inventory Planner",
        example="https://app.inventory-planner.com",
        hint=BASE_URL_CONFIG_HINT,
    )


class InventoryPlannerClient:
    """Authenticated GETs against one Inventory Planner account.

    Args:
        base_url: Host URL, e.g. `https://app.inventory-planner.com` (a trailing `/api/v1` is
            accepted).
        api_key: The API key, sent raw in the `Authorization` header (no scheme).
        account_id: The account id, sent in the `Account` header.
        request_timeout: Seconds to wait for a response before the attempt counts as failed.
        max_attempts: Attempts per request, the first one included.
        backoff_factor: Multiplier of the exponential wait between attempts, in seconds.
        max_retry_delay: Longest wait between attempts, `Retry-After` included, in seconds.
    """

    def __init__(
        self,
        base_url: str,
        api_key: str,
        account_id: str,
        *,
        request_timeout: float = DEFAULT_REQUEST_TIMEOUT_SECONDS,
        max_attempts: int = DEFAULT_REQUEST_MAX_ATTEMPTS,
        backoff_factor: float = DEFAULT_REQUEST_BACKOFF_FACTOR,
        max_retry_delay: float = DEFAULT_REQUEST_MAX_RETRY_DELAY_SECONDS,
    ) -> None:
        for name, value in (("API key", api_key), ("account id", account_id)):
            if not value or not str(value).strip():
                raise ValueError(
                    f"the Inventory Planner {name} is empty; set {CREDENTIALS_CONFIG_HINT}"
                )
        self.base_url = normalize_base_url(base_url)
        self._api_key = str(api_key).strip()
        self._account_id = str(account_id).strip()
        # Statuses are checked here, after the retries, so that they become our errors.
        self._http = Client(
            request_timeout=request_timeout,
            raise_for_status=False,
            request_max_attempts=max_attempts,
            request_backoff_factor=backoff_factor,
            request_max_retry_delay=max_retry_delay,
            respect_retry_after_header=True,
        )

    def __repr__(self) -> str:
        return f"InventoryPlannerClient(base_url={self.base_url!r})"

    def _redact(self, text: str) -> str:
        # An error body or a transport error is not ours to trust with the credentials.
        for secret in (self._api_key, self._account_id):
            text = text.replace(secret, _REDACTED) if text else text
        return text

    def get_json(self, path: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """GET `/api/v1{path}`; the JSON body with decimal numbers read as `Decimal`."""
        label = API_PREFIX + path
        query = {key: value for key, value in (params or {}).items() if value is not None}
        try:
            response = self._http.get(
                self.base_url + label,
                params=query,
                headers={
                    "Authorization": self._api_key,
                    "Account": self._account_id,
                    "Accept": "application/json",
                    "User-Agent": USER_AGENT,
                },
            )
        except RequestException as exc:
            raise InventoryPlannerConnectionError(
                f"could not GET {label} at Inventory Planner {self.base_url}: "
                f"{self._redact(type(exc).__name__ + ': ' + str(exc))}"
            ) from None
        if response.status_code >= 400:
            self._raise_for_status(response, label)
        try:
            body = json.loads(response.content, parse_float=Decimal)
        except ValueError as exc:
            raise InventoryPlannerResponseError(
                f"Inventory Planner answered GET {label} with a body that is not JSON: {exc}"
            ) from None
        if not isinstance(body, dict):
            raise InventoryPlannerResponseError(
                f"Inventory Planner answered GET {label} with JSON that is not an object"
            )
        # Clients treat a `result` object as failure, whatever the status.
        if isinstance(body.get("result"), Mapping) and body["result"].get("status") == "error":
            raise InventoryPlannerApiError(
                response.status_code, self._redact(str(body["result"].get("message") or "")), label
            )
        logger.debug("GET %s %s -> %s", label, _loggable(query), response.status_code)
        return body

    def _raise_for_status(self, response: Response, path: str) -> None:
        message = self._redact(_error_message(response))
        is_json = "json" in response.headers.get("Content-Type", "")
        # A 401, or a 403 from the API itself (not the CDN's HTML page), is about credentials.
        if response.status_code == 401 or (response.status_code == 403 and is_json):
            raise InventoryPlannerAuthError(response.status_code, message, path)
        raise InventoryPlannerApiError(response.status_code, message, path)

    def pages(
        self,
        path: str,
        collection: str,
        *,
        fields: Sequence[str] = (),
        params: Mapping[str, Any] | None = None,
        page_size: int = 100,
    ) -> Iterator[Page]:
        """Pages of a collection (`page` from 0, `limit`), until `meta.end`.

        Args:
            path: Collection path below `/api/v1`, e.g. `/variants`.
            collection: Key of the items in the body, e.g. `variants`, `purchase-orders`.
            fields: The allow-list of fields to return (`fields=`); empty returns them all.
            params: Filters and sorting, sent unchanged on every page.
            page_size: Items per page (`limit`).
        """
        query: dict[str, Any] = dict(params or {})
        if fields:
            query["fields"] = ",".join(fields)
        page = 0
        while True:
            body = self.get_json(path, {**query, "page": page, "limit": page_size})
            items = body.get(collection)
            meta = body.get("meta")
            label = API_PREFIX + path
            if not isinstance(items, list) or not isinstance(meta, Mapping):
                raise InventoryPlannerResponseError(
                    f"Inventory Planner answered GET {label} page {page} without a "
                    f"`{collection}` list and a `meta` object"
                )
            if items:
                yield items
            total = _count(meta.get("total"))
            # An empty page ends the listing even if `end` is missing: the list shrank while
            # it was being read, and asking again would loop forever.
            if meta.get("end") is True or not items:
                return
            page += 1
            if total is not None and page * page_size > total + page_size:
                raise InventoryPlannerResponseError(
                    f"Inventory Planner kept paging GET {label} past meta.total={total}"
                )


def _count(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _error_message(response: Response) -> str:
    try:
        body = response.json()
    except ValueError:
        text = response.text.strip()
        # The CDN answers with an HTML page: its title says enough.
        if text.lower().startswith("<!doctype html") or text.lower().startswith("<html"):
            start = text.lower().find("<title>")
            end = text.lower().find("</title>")
            return text[start + 7 : end].strip() if 0 <= start < end else "HTML error page"
        return text[:200]
    if isinstance(body, dict) and isinstance(body.get("result"), dict):
        return str(body["result"].get("message") or "")
    return json.dumps(body)[:200]


def _loggable(query: Mapping[str, Any]) -> str:
    return "&".join(f"{key}={value}" for key, value in query.items())
