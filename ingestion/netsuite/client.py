"""HTTP client for NetSuite's SuiteQL endpoint: signing, paging, backoff and errors.

Every request is signed anew (TBA needs a fresh nonce per request, so the retries live here
rather than in a transport that would resend the same signed request). Retried: a refusal for
concurrency (HTTP 429, or a concurrency error code under any status), 5xx, timeouts and
dropped connections, with exponential backoff and jitter. Other 4xx fail at once.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

import requests

from .exceptions import (
    NetSuiteApiError,
    NetSuiteAuthError,
    NetSuiteConnectionError,
    NetSuiteResponseError,
)
from .settings import (
    CONCURRENCY_ERROR_CODES,
    DEFAULT_MAX_RESULTS_PER_QUERY,
    DEFAULT_REQUEST_BACKOFF_FACTOR,
    DEFAULT_REQUEST_MAX_ATTEMPTS,
    DEFAULT_REQUEST_MAX_RETRY_DELAY_SECONDS,
    DEFAULT_REQUEST_TIMEOUT_SECONDS,
    HOST_TEMPLATE,
    MAX_PAGE_SIZE,
    SUITEQL_PATH,
)

logger = logging.getLogger("ingestion.netsuite")

Row = dict[str, Any]
_REDACTED = "<redacted>"


class Auth(Protocol):
    secrets: tuple[str, ...]

    def header(self, method: str, url: str) -> str: ...


def default_base_url(account_id: str) -> str:
    """``https://1234567-sb1.suitetalk.api.netsuite.com`` for account ``1234567_SB1``."""
    return HOST_TEMPLATE.format(host_id=account_id.strip().lower().replace("_", "-"))


@dataclass(frozen=True)
class SuiteQuery:
    """A SuiteQL query that can restart after a key: ``order_key`` lists (output, expression)."""

    select: str
    source: str
    conditions: tuple[str, ...]
    order_key: tuple[tuple[str, str], ...]

    def text(self, after: Sequence[int] | None = None) -> str:
        conditions = list(self.conditions)
        if after is not None:
            conditions.append(self._after(after))
        where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
        order = ", ".join(expression for _, expression in self.order_key)
        return f"SELECT {self.select} FROM {self.source}{where} ORDER BY {order}"

    def _after(self, key: Sequence[int]) -> str:
        # (a > x) OR (a = x AND b > y) ...: rows strictly after the key, in key order.
        expressions = [expression for _, expression in self.order_key]
        alternatives = []
        for position, expression in enumerate(expressions):
            equal = [f"{expressions[i]} = {int(key[i])}" for i in range(position)]
            alternatives.append(" AND ".join([*equal, f"{expression} > {int(key[position])}"]))
        return "(" + " OR ".join(f"({alternative})" for alternative in alternatives) + ")"

    def key_of(self, row: Row) -> tuple[int, ...]:
        return tuple(int(row[name]) for name, _ in self.order_key)


class NetSuiteClient:
    """SuiteQL queries against one NetSuite account.

    Args:
        base_url: ``https://<account>.suitetalk.api.netsuite.com`` (or a sandbox's address).
        auth: ``TokenAuth`` or ``BearerAuth``.
        page_size: Rows per page, at most 1000.
        max_results_per_query: Rows NetSuite lets one query page through (100,000 without
            SuiteAnalytics Connect); the client restarts after the last key it saw.
        request_timeout: Seconds to wait for an answer.
        max_attempts: Attempts per request, the first included.
        backoff_factor: Seconds of the first wait; each retry doubles it (with jitter).
        max_retry_delay: Longest wait between two attempts, in seconds.
    """

    def __init__(
        self,
        base_url: str,
        auth: Auth,
        *,
        page_size: int = MAX_PAGE_SIZE,
        max_results_per_query: int = DEFAULT_MAX_RESULTS_PER_QUERY,
        request_timeout: float = DEFAULT_REQUEST_TIMEOUT_SECONDS,
        max_attempts: int = DEFAULT_REQUEST_MAX_ATTEMPTS,
        backoff_factor: float = DEFAULT_REQUEST_BACKOFF_FACTOR,
        max_retry_delay: float = DEFAULT_REQUEST_MAX_RETRY_DELAY_SECONDS,
        sleep=time.sleep,
    ) -> None:
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be between 1 and {MAX_PAGE_SIZE}, got {page_size}")
        if max_attempts < 1:
            raise ValueError(f"request_max_attempts must be at least 1, got {max_attempts}")
        url = base_url.strip().rstrip("/")
        if not url.startswith(("https://", "http://")):
            raise ValueError(f"NetSuite base_url {base_url!r} is not an http(s) URL")
        self.base_url = url
        self.page_size = page_size
        self.max_results_per_query = max_results_per_query
        self._auth = auth
        self._timeout = request_timeout
        self._max_attempts = max_attempts
        self._backoff = backoff_factor
        self._max_delay = max_retry_delay
        self._sleep = sleep
        self._session = requests.Session()
        # Retries signed anew per attempt, so the transport must not retry on its own.
        self._session.mount("http://", requests.adapters.HTTPAdapter(max_retries=0))
        self._session.mount("https://", requests.adapters.HTTPAdapter(max_retries=0))
        self.retries = 0

    def __repr__(self) -> str:
        return f"NetSuiteClient(base_url={self.base_url!r})"

    # --- paging -------------------------------------------------------------------------------

    def pages(self, query: SuiteQuery) -> Iterator[list[Row]]:
        """Every page of a query, following ``links`` while ``hasMore``; rows without ``links``."""
        after: tuple[int, ...] | None = None
        while True:
            text = query.text(after)
            url = f"{self.base_url}{SUITEQL_PATH}?limit={self.page_size}&offset=0"
            restart = False
            while True:
                body = self.post(url, text)
                rows = _rows(body)
                if rows:
                    yield rows
                if not body.get("hasMore"):
                    return
                if not rows:
                    raise NetSuiteResponseError(
                        "NetSuite answered an empty page with hasMore true; stopping rather "
                        "than asking again forever"
                    )
                next_url = _link(body, "next")
                if next_url is None:
                    raise NetSuiteResponseError(
                        "NetSuite answered hasMore true without a 'next' link"
                    )
                if _offset_of(next_url) >= self.max_results_per_query:
                    after, restart = query.key_of(rows[-1]), True
                    logger.info(
                        "query reached NetSuite's %s-row paging limit; continuing after key %s",
                        self.max_results_per_query,
                        after,
                    )
                    break
                url = next_url
            if not restart:
                return

    def rows(self, query: SuiteQuery) -> list[Row]:
        return [row for page in self.pages(query) for row in page]

    # --- one request --------------------------------------------------------------------------

    def post(self, url: str, query: str) -> dict[str, Any]:
        """POST one SuiteQL page with retries; the JSON body, numbers kept as strings."""
        payload = json.dumps({"q": query})
        for attempt in range(1, self._max_attempts + 1):
            last = attempt == self._max_attempts
            headers = {
                "Authorization": self._auth.header("POST", url),
                "Prefer": "transient",
                "Content-Type": "application/json",
                "Accept": "application/json",
            }
            try:
                response = self._session.post(
                    url, data=payload, headers=headers, timeout=self._timeout
                )
            except requests.RequestException as error:
                reason = self._redact(f"{type(error).__name__}: {error}")
                if last:
                    raise NetSuiteConnectionError(
                        f"could not reach NetSuite at {self.base_url} after {attempt} "
                        f"attempt(s): {reason}"
                    ) from None
                self._wait(attempt, None, f"connection failed ({type(error).__name__})")
                continue
            if response.status_code < 400:
                logger.debug("POST %s -> %s", _loggable(url), response.status_code)
                return _json(response)
            code, detail = _error_details(response)
            detail = self._redact(detail)
            if response.status_code == 429 or code in CONCURRENCY_ERROR_CODES:
                if last:
                    raise NetSuiteConnectionError(
                        f"NetSuite kept refusing the request for concurrency after {attempt} "
                        f"attempt(s) ({response.status_code} {code}: {detail}); other "
                        "integrations may be using the account's concurrency limit"
                    )
                self._wait(attempt, response, f"concurrency limit reached ({code or 429})")
                continue
            if response.status_code >= 500 and not last:
                self._wait(attempt, response, f"server error {response.status_code}")
                continue
            if response.status_code in (401, 403) or code == "INVALID_LOGIN":
                raise NetSuiteAuthError(response.status_code, code, detail)
            raise NetSuiteApiError(response.status_code, code, detail, query)
        raise AssertionError("unreachable")  # pragma: no cover

    def _wait(self, attempt: int, response: requests.Response | None, why: str) -> None:
        delay = min(self._max_delay, self._backoff * 2 ** (attempt - 1))
        delay *= random.uniform(0.75, 1.25)
        retry_after = response.headers.get("Retry-After") if response is not None else None
        if retry_after and retry_after.isdigit():
            delay = max(delay, float(retry_after))
        delay = min(delay, self._max_delay)
        self.retries += 1
        logger.warning(
            "NetSuite: %s; retrying in %.2f s (attempt %d of %d)",
            why,
            delay,
            attempt + 1,
            self._max_attempts,
        )
        self._sleep(delay)

    def _redact(self, text: str) -> str:
        for secret in self._auth.secrets:
            if secret:
                text = text.replace(secret, _REDACTED)
        return text


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        # NetSuite sends numbers as strings; any bare number is kept exact all the same.
        body = json.loads(response.content, parse_float=Decimal)
    except ValueError as error:
        raise NetSuiteResponseError(
            f"NetSuite answered with a body that is not JSON: {error}"
        ) from None
    if not isinstance(body, dict):
        raise NetSuiteResponseError("NetSuite answered with JSON that is not an object")
    return body


def _rows(body: dict[str, Any]) -> list[Row]:
    items = body.get("items")
    if items is None:
        return []
    if not isinstance(items, list):
        raise NetSuiteResponseError("NetSuite answered `items` that is not a list")
    rows = []
    for item in items:
        if not isinstance(item, dict):
            raise NetSuiteResponseError("NetSuite answered an item that is not an object")
        rows.append({key: value for key, value in item.items() if key != "links"})
    return rows


def _link(body: dict[str, Any], rel: str) -> str | None:
    for link in body.get("links") or []:
        if isinstance(link, dict) and link.get("rel") == rel and link.get("href"):
            return str(link["href"])
    return None


def _offset_of(url: str) -> int:
    values = parse_qs(urlsplit(url).query).get("offset")
    return int(values[0]) if values else 0


def _error_details(response: requests.Response) -> tuple[str | None, str]:
    try:
        body = response.json()
    except ValueError:
        return None, response.text[:300].strip()
    details = body.get("o:errorDetails") if isinstance(body, dict) else None
    if isinstance(details, list) and details and isinstance(details[0], dict):
        first = details[0]
        return first.get("o:errorCode"), str(first.get("detail") or "")
    if isinstance(body, dict) and body.get("title"):
        return None, str(body["title"])
    return None, json.dumps(body)[:300]


def _loggable(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path
