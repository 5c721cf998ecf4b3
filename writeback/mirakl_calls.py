"""The Mirakl calls writeback makes, and how each answer is classified.

Writes (STO01, OR21, OR23, OR24, OR28) are never resent blindly here: a 429 means Mirakl did not
process the request, so it is sent again after `Retry-After`; any other failure is handed back
as it is (refused, auth, or unknown when no answer or a 5xx came), and the applier decides,
reading Mirakl's state first when the outcome is unknown. Reads (STO02, STO03, OR11, OF21) are
retried on 429, 5xx, timeouts and dropped connections with exponential backoff.

Calls of one operation are spaced by Mirakl's documented maximum frequency (STO01 once a
minute, STO02 every 15 s, ...), counted from the last call in the audit table, so the spacing
holds across runs and restarts. Headers are never recorded; the key never appears in a message.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import logging
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import requests

from writeback import jsontext
from writeback.settings import MiraklConnection, WritebackSettings

logger = logging.getLogger("writeback.mirakl")

API_PREFIX = "/api"
STOCK_COLUMNS = ("offer-sku", "quantity", "warehouse-code", "update-delete")
ORDER_IDS_PER_CALL = 100
REDACTED = "<redacted>"

# What became of one call.
OK = "ok"  # 2xx
REFUSED = "refused"  # 4xx: Mirakl read the request and said no
AUTH = "auth"  # 401/403: the key or its roles; nothing was processed
THROTTLED = "throttled"  # 429 beyond the configured patience; nothing was processed
UNKNOWN = "unknown"  # no answer (timeout, dropped connection) or a 5xx: maybe processed


@dataclass(frozen=True)
class Exchange:
    """One HTTP request and its answer, as the audit records it (no headers, ever)."""

    operation: str
    method: str
    path: str
    request_body: str | None
    status: int | None
    error: str | None
    at: dt.datetime
    duration_ms: int


@dataclass
class CallResult:
    operation: str
    outcome: str
    status: int | None = None
    body: Any = None
    text: str = ""
    message: str | None = None
    exchanges: list[Exchange] = field(default_factory=list)
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)

    @property
    def ok(self) -> bool:
        return self.outcome == OK

    @property
    def answered(self) -> bool:
        """Whether Mirakl answered the last exchange (a 5xx is an answer; a timeout is not)."""
        return bool(self.exchanges) and self.exchanges[-1].status is not None


class MiraklCallError(RuntimeError):
    """A read failed after its retries, or Mirakl refused the key; never carries the key."""

    def __init__(self, result: CallResult) -> None:
        self.result = result
        super().__init__(result.message or f"{result.operation} failed")


class Pacer:
    """Keeps calls of one operation at least `min_interval_seconds[operation]` apart."""

    def __init__(
        self,
        min_interval_seconds: Mapping[str, float],
        last_calls: Mapping[str, dt.datetime] | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        on_wait: Callable[[str, float], None] | None = None,
    ) -> None:
        self._intervals = dict(min_interval_seconds)
        self._last = dict(last_calls or {})
        self._sleep = sleep
        self._on_wait = on_wait

    def ready_at(self, operation: str) -> dt.datetime:
        last = self._last.get(operation)
        interval = self._intervals.get(operation, 0.0)
        if last is None or interval <= 0:
            return dt.datetime.min.replace(tzinfo=dt.UTC)
        return last + dt.timedelta(seconds=interval)

    def wait(self, operation: str) -> None:
        delay = (self.ready_at(operation) - dt.datetime.now(dt.UTC)).total_seconds()
        if delay > 0:
            if self._on_wait is not None:
                self._on_wait(
                    f"waiting {delay:.0f} s: Mirakl allows {operation} once every "
                    f"{self._intervals[operation]:g} s",
                    delay,
                )
            self._sleep(delay)

    def called(self, operation: str, at: dt.datetime) -> None:
        self._last[operation] = at


class MiraklWriter:
    """The calls of writeback against one Mirakl instance, as one shop."""

    def __init__(
        self,
        connection: MiraklConnection,
        settings: WritebackSettings,
        *,
        pacer: Pacer | None = None,
        sleep: Callable[[float], None] = time.sleep,
        on_wait: Callable[[str, float], None] | None = None,
    ) -> None:
        self._connection = connection
        self._settings = settings
        self._sleep = sleep
        self._on_wait = on_wait
        self.pacer = pacer or Pacer(settings.min_interval_seconds, sleep=sleep, on_wait=on_wait)
        self._session = requests.Session()
        self._session.headers.update(
            {"Authorization": connection.api_key, "Accept": "application/json"}
        )

    def __repr__(self) -> str:
        return f"MiraklWriter(base_url={self._connection.base_url!r})"

    def close(self) -> None:
        self._session.close()

    # --- writes -------------------------------------------------------------------------------

    def import_stock(self, rows: Sequence[Mapping[str, Any]]) -> CallResult:
        """STO01: one CSV file, one line per offer; `201 {"import_id"}` when accepted."""
        text = stock_file(rows)
        return self._call(
            "STO01",
            "POST",
            "/offers/stock/imports",
            files={"file": ("stock.csv", text.encode("utf-8"), "text/csv")},
            audit_body=text,
            write=True,
        )

    def accept_order(self, order_id: str, body: Mapping[str, Any]) -> CallResult:
        return self._json_write("OR21", f"/orders/{quote(order_id, safe='')}/accept", body)

    def set_tracking(self, order_id: str, body: Mapping[str, Any]) -> CallResult:
        return self._json_write("OR23", f"/orders/{quote(order_id, safe='')}/tracking", body)

    def ship_order(self, order_id: str) -> CallResult:
        return self._call("OR24", "PUT", f"/orders/{quote(order_id, safe='')}/ship", write=True)

    def refund(self, body: Mapping[str, Any]) -> CallResult:
        return self._json_write("OR28", "/orders/refund", body)

    def _json_write(self, operation: str, path: str, body: Mapping[str, Any]) -> CallResult:
        text = jsontext.dumps(dict(body))
        return self._call(
            operation,
            "PUT",
            path,
            data=text.encode("utf-8"),
            content_type="application/json",
            audit_body=text,
            write=True,
        )

    # --- reads --------------------------------------------------------------------------------

    def stock_import_status(self, import_id: str) -> CallResult:
        """STO02: status WAITING, RUNNING, COMPLETE or FAILED, with line counts."""
        return self._call(
            "STO02", "GET", f"/offers/stock/imports/{quote(import_id, safe='')}/status"
        )

    def stock_import_errors(self, import_id: str) -> tuple[CallResult, dict[int, str]]:
        """STO03: the rejected lines of an import, as {line number in the file: reason}."""
        result = self._call(
            "STO03", "GET", f"/offers/stock/imports/{quote(import_id, safe='')}/error_report"
        )
        return result, parse_error_report(result.text) if result.ok else {}

    def read_orders(self, order_ids: Sequence[str]) -> tuple[list[CallResult], dict[str, dict]]:
        """OR11 for these orders, at most 100 ids a call; raises when a read keeps failing."""
        results, orders = [], {}
        ids = list(dict.fromkeys(order_ids))
        for start in range(0, len(ids), ORDER_IDS_PER_CALL):
            chunk = ids[start : start + ORDER_IDS_PER_CALL]
            result = self._call(
                "OR11",
                "GET",
                "/orders",
                params={"order_ids": ",".join(chunk), "max": ORDER_IDS_PER_CALL},
            )
            results.append(result)
            if not result.ok:
                raise MiraklCallError(result)
            for order in (result.body or {}).get("orders") or []:
                orders[str(order.get("order_id"))] = order
        return results, orders

    def read_offer(self, shop_sku: str) -> tuple[CallResult, dict | None]:
        """OF21 filtered on one shop SKU; None when Mirakl has no such offer."""
        result = self._call("OF21", "GET", "/offers", params={"sku": shop_sku, "max": 10})
        if not result.ok:
            raise MiraklCallError(result)
        offers = [
            offer
            for offer in (result.body or {}).get("offers") or []
            if offer.get("shop_sku") == shop_sku
        ]
        return result, offers[0] if offers else None

    # --- one call, with Mirakl's rules --------------------------------------------------------

    def _call(
        self,
        operation: str,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        data: bytes | None = None,
        files: Mapping[str, Any] | None = None,
        content_type: str | None = None,
        audit_body: str | None = None,
        write: bool = False,
    ) -> CallResult:
        url = self._connection.base_url + API_PREFIX + path
        query = dict(params or {})
        if self._connection.shop_id is not None:
            query["shop_id"] = self._connection.shop_id
        headers = {"Content-Type": content_type} if content_type else {}
        result = CallResult(operation, UNKNOWN)
        failures = throttled = 0
        while True:
            self.pacer.wait(operation)
            started = dt.datetime.now(dt.UTC)
            clock = time.monotonic()
            status: int | None = None
            error: str | None = None
            response: requests.Response | None = None
            try:
                response = self._session.request(
                    method,
                    url,
                    params=query,
                    data=data,
                    files=files,
                    headers=headers,
                    timeout=self._settings.request_timeout,
                )
                status = response.status_code
            except requests.RequestException as exc:
                error = self._redact(f"{type(exc).__name__}: {exc}")
            self.pacer.called(operation, started)
            text = self._redact(response.text) if response is not None else ""
            message = _message(text) if status is not None and status >= 400 else error
            result.exchanges.append(
                Exchange(
                    operation=operation,
                    method=method,
                    path=API_PREFIX + path,
                    request_body=audit_body,
                    status=status,
                    error=message,
                    at=started,
                    duration_ms=round((time.monotonic() - clock) * 1000),
                )
            )
            logger.info("%s %s%s -> %s", method, API_PREFIX, path, status if status else error)
            result.status, result.text, result.message = status, text, message
            if status is not None and 200 <= status < 300:
                result.outcome = OK
                result.body = _json_or_none(text)
                return result
            if status == 429:
                throttled += 1
                if throttled > self._settings.max_throttled_retries:
                    result.outcome = THROTTLED
                    return result
                self._wait(
                    _retry_after(response, self._settings.max_retry_delay),
                    f"Mirakl asks to slow down (429) on {operation}",
                )
                continue
            if status in (401, 403):
                result.outcome = AUTH
                return result
            if status is not None and status < 500:
                result.outcome = REFUSED
                return result
            # A 5xx, a timeout or a dropped connection.
            result.outcome = UNKNOWN
            failures += 1
            if write or failures >= self._settings.max_attempts:
                return result
            self._wait(
                backoff(self._settings, failures),
                f"{operation} failed ({message or status}); trying again",
            )

    def _wait(self, seconds: float, why: str) -> None:
        if seconds <= 0:
            return
        if self._on_wait is not None:
            self._on_wait(f"{why}: waiting {seconds:.1f} s", seconds)
        self._sleep(seconds)

    def _redact(self, text: str) -> str:
        key = self._connection.api_key
        return text.replace(key, REDACTED) if text and key else text


def backoff(settings: WritebackSettings, failures: int) -> float:
    """Exponential backoff: the base, doubled per failure, capped at max_retry_delay."""
    return min(settings.retry_backoff_seconds * 2 ** max(failures - 1, 0), settings.max_retry_delay)


def _retry_after(response: requests.Response | None, cap: float) -> float:
    raw = response.headers.get("Retry-After") if response is not None else None
    try:
        seconds = float(raw) if raw is not None else 1.0
    except ValueError:
        seconds = 1.0
    return max(0.0, min(seconds, cap))


def _json_or_none(text: str) -> Any:
    if not text:
        return None
    try:
        return json.loads(text, parse_float=Decimal)
    except ValueError:
        return None


def _message(text: str) -> str:
    body = _json_or_none(text)
    if isinstance(body, dict) and body.get("message"):
        return str(body["message"])
    return (text or "").strip()[:300]


def stock_file(rows: Sequence[Mapping[str, Any]]) -> str:
    """The STO01 CSV: `"offer-sku";"quantity";"warehouse-code";"update-delete"`, all quoted."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writerow(STOCK_COLUMNS)
    for row in rows:
        writer.writerow(["" if row.get(name) is None else str(row[name]) for name in STOCK_COLUMNS])
    return out.getvalue()


def parse_error_report(text: str) -> dict[int, str]:
    """STO03: first column the line number in the imported file, second the reason."""
    errors: dict[int, str] = {}
    for cells in csv.reader(io.StringIO(text or ""), delimiter=";"):
        if len(cells) < 2 or not cells[0].strip().isdigit():
            continue  # the header, or a blank line
        errors[int(cells[0])] = cells[1].strip()
    return errors
