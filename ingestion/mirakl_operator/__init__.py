"""dlt source for a Mirakl operator's offer export: every shop's offers, OF52/OF53/OF54.

For retailers who *run* a Mirakl marketplace. Table (dataset ``mirakl_operator``):

| table | Mirakl calls | key | disposition |
|---|---|---|---|
| ``offers`` | OF52 export, polled with OF53, files read with OF54 (JSON) | ``offer_id`` | merge |
| ``quarantine`` | | ``quarantine_id`` | offers that could not be landed, with the reason |

The first run asks for a full export, inactive offers included. Later runs ask for a
differential export (``last_request_date``: the newest ``last_updated`` seen, less the re-pull
window): every offer changed since, inactive and deleted ones included. A deleted offer lands
with ``deleted`` true and only its identifiers, so it stays visible as deleted.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import dlt
from dlt.common.typing import TDataItems
from dlt.sources import DltResource
from dlt.sources.helpers.requests import Client, Response
from requests.exceptions import RequestException

from recon.timestamps import format_utc, parse_utc

from ..mirakl.exceptions import (
    MiraklApiError,
    MiraklConnectionError,
    MiraklError,
    MiraklResponseError,
)
from ..mirakl.helpers import normalize_base_url
from ..quarantine import quarantine_record, with_quarantine

SOURCE_NAME = "mirakl_operator"
EXPORT_PATH = "/api/offers/export/async"
API_KEY_CONFIG_HINT = (
    "`api_key` under [sources.mirakl_operator] in .dlt/secrets.toml, "
    "or the environment variable SOURCES__MIRAKL_OPERATOR__API_KEY"
)
DEFAULT_POLL_INTERVAL_SECONDS = 60.0  # Mirakl recommends one OF53 poll a minute (10 s at most)
DEFAULT_EXPORT_TIMEOUT_SECONDS = 3600.0
DEFAULT_REPULL_WINDOW_MINUTES = 60

logger = logging.getLogger("ingestion.mirakl_operator")

MONEY = {"data_type": "decimal", "precision": 18, "scale": 4}
TIMESTAMP = {"data_type": "timestamp", "timezone": True}
OFFER_COLUMNS: dict[str, dict[str, Any]] = {
    "offer_id": {"data_type": "bigint", "nullable": False, "primary_key": True},
    "shop_id": {"data_type": "bigint"},
    "quantity": {"data_type": "bigint"},
    "leadtime_to_ship": {"data_type": "bigint"},
    **{
        name: {"data_type": "text"}
        for name in (
            "shop_name",
            "shop_sku",
            "product_sku",
            "currency_iso_code",
            "state_code",
            "logistic_class__code",
        )
    },
    "active": {"data_type": "bool"},
    "deleted": {"data_type": "bool"},
    "origin_price": MONEY,
    "discount_price": MONEY,
    "date_created": TIMESTAMP,
    "last_updated": TIMESTAMP,
}
OFFER_COLUMNS = {name: {"name": name, **spec} for name, spec in OFFER_COLUMNS.items()}
OFFER_NESTED_HINTS = {
    ("prices",): {
        "columns": {
            "origin_price": {"name": "origin_price", **MONEY},
            "discount_price": {"name": "discount_price", **MONEY},
            "discount_start_date": {"name": "discount_start_date", **TIMESTAMP},
            "discount_end_date": {"name": "discount_end_date", **TIMESTAMP},
        }
    },
    ("prices", "volume_prices"): {
        "columns": {
            "quantity_threshold": {"name": "quantity_threshold", "data_type": "bigint"},
            "unit_origin_price": {"name": "unit_origin_price", **MONEY},
            "unit_discount_price": {"name": "unit_discount_price", **MONEY},
        }
    },
    ("warehouses",): {
        "columns": {
            "code": {"name": "code", "data_type": "text"},
            "quantity": {"name": "quantity", "data_type": "bigint"},
        }
    },
}

_CURSOR = dlt.sources.incremental[dt.datetime]("last_updated", on_cursor_value_missing="include")


class MiraklOperatorAuthError(MiraklApiError):
    """Mirakl rejected the operator API key (401) or refused it the call (403)."""

    def _describe(self) -> str:
        return (
            f"Mirakl rejected the operator API key (HTTP {self.status} on {self.path}: "
            f"{self.message or '(no message)'}). Check {API_KEY_CONFIG_HINT}."
        )


class MiraklExportFailed(MiraklError):
    """OF53 reported the export FAILED, or it did not complete in time."""


class OperatorClient:
    """POST/GET against one Mirakl instance with the operator key (raw in Authorization)."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        request_timeout: float = 60.0,
        max_attempts: int = 6,
        backoff_factor: float = 1.0,
        max_retry_delay: float = 600.0,
    ) -> None:
        if not api_key or not str(api_key).strip():
            raise ValueError(f"the Mirakl operator API key is empty; set {API_KEY_CONFIG_HINT}")
        self.base_url = normalize_base_url(base_url)
        self._origin = urlsplit(self.base_url)[:2]
        self._key = str(api_key).strip()
        self._http = Client(
            request_timeout=request_timeout,
            raise_for_status=False,
            request_max_attempts=max_attempts,
            request_backoff_factor=backoff_factor,
            request_max_retry_delay=max_retry_delay,
            respect_retry_after_header=True,
        )

    def _headers(self, url: str) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        # Export files may be served from another host (a storage bucket): the key stays home.
        if urlsplit(url)[:2] == self._origin:
            headers["Authorization"] = self._key
        return headers

    def request(self, method: str, url: str, body: Any = None) -> Any:
        path = urlsplit(url).path
        try:
            response = self._http.request(method, url, json=body, headers=self._headers(url))
        except RequestException as exc:
            text = f"{type(exc).__name__}: {exc}".replace(self._key, "<redacted>")
            raise MiraklConnectionError(
                f"could not {method} {path} at {self.base_url}: {text}"
            ) from None
        if response.status_code >= 400:
            self._raise(response, f"{method} {path}")
        try:
            return json.loads(response.content, parse_float=Decimal)
        except ValueError as exc:
            raise MiraklResponseError(
                f"Mirakl answered {method} {path} with no JSON: {exc}"
            ) from None

    def _raise(self, response: Response, where: str) -> None:
        try:
            message = str(response.json().get("message") or "")
        except (ValueError, AttributeError):
            message = response.text[:200]
        message = message.replace(self._key, "<redacted>")
        if response.status_code in (401, 403):
            raise MiraklOperatorAuthError(response.status_code, message, where)
        raise MiraklApiError(response.status_code, message, where)


@dlt.source(name=SOURCE_NAME)
def mirakl_operator_source(
    base_url: str = dlt.config.value,
    api_key: str = dlt.secrets.value,
    repull_window_minutes: int = DEFAULT_REPULL_WINDOW_MINUTES,
    poll_interval: float = DEFAULT_POLL_INTERVAL_SECONDS,
    export_timeout: float = DEFAULT_EXPORT_TIMEOUT_SECONDS,
    request_timeout: float = 60.0,
    request_max_attempts: int = 6,
    request_backoff_factor: float = 1.0,
) -> list[DltResource]:
    """Every shop's offers from the operator's asynchronous offer export.

    Args:
        base_url: The marketplace's instance, e.g. ``https://acme.mirakl.net``.
        api_key: The operator API key, sent raw in ``Authorization``; never logged.
        repull_window_minutes: How far before the newest change seen a differential export
            starts, for changes that reach the export late.
        poll_interval: Seconds between OF53 polls (Mirakl: at most every 10 s).
        export_timeout: Seconds to wait for an export before the run fails.
    """
    if repull_window_minutes < 0:
        raise ValueError(f"repull_window_minutes must not be negative, got {repull_window_minutes}")
    client = OperatorClient(
        base_url,
        api_key,
        request_timeout=request_timeout,
        max_attempts=request_max_attempts,
        backoff_factor=request_backoff_factor,
    )
    cursor = dlt.sources.incremental[dt.datetime](
        "last_updated", lag=repull_window_minutes * 60 or None, on_cursor_value_missing="include"
    )
    return [with_quarantine(offers(client, poll_interval, export_timeout, cursor), OFFER_COLUMNS)]


@dlt.resource(
    name="offers",
    primary_key="offer_id",
    write_disposition="merge",
    nested_hints=OFFER_NESTED_HINTS,
)
def offers(
    client: OperatorClient,
    poll_interval: float,
    export_timeout: float,
    last_updated: dlt.sources.incremental[dt.datetime] = _CURSOR,
) -> Iterator[TDataItems]:
    """Offers from one OF52 export: full the first time, differential afterwards."""
    body: dict[str, Any] = {"export_type": "application/json"}
    if last_updated.start_value is not None:
        body["last_request_date"] = format_utc(last_updated.start_value)
    else:
        body["include_inactive_offers"] = True
    tracking_id = client.request("POST", client.base_url + EXPORT_PATH, body)["tracking_id"]
    urls = _wait_for_export(client, str(tracking_id), poll_interval, export_timeout)
    rejects = []
    landed = False
    for url in urls:
        items = client.request("GET", url)
        if not isinstance(items, list):
            raise MiraklResponseError("an OF54 export file is not a JSON array of offers")
        rows = []
        for raw in items:
            row, reason = shape_offer(raw)
            if row is not None:
                rows.append(row)
            else:
                rejects.append((raw, reason))
        if rows:
            landed = True
            yield rows
    if not landed:
        yield dlt.mark.materialize_table_schema()
    for raw, reason in rejects:
        ref = f"offer {raw.get('offer_id')}" if isinstance(raw, Mapping) else "<offer>"
        yield quarantine_record(
            source=SOURCE_NAME, entity="offers", record_ref=ref, reason=reason, raw=raw
        )


def _wait_for_export(
    client: OperatorClient, tracking_id: str, poll_interval: float, timeout: float
) -> list[str]:
    deadline = time.monotonic() + timeout
    status_url = f"{client.base_url}{EXPORT_PATH}/status/{tracking_id}"
    while True:
        status = client.request("GET", status_url)
        state = status.get("status")
        if state == "COMPLETED":
            return list(status.get("urls") or [])
        if state == "FAILED":
            error = status.get("error") or {}
            raise MiraklExportFailed(
                f"Mirakl's offer export {tracking_id} failed: "
                f"{error.get('code', '?')} {error.get('detail', '(no detail)')}"
            )
        if time.monotonic() + poll_interval > deadline:
            raise MiraklExportFailed(
                f"Mirakl's offer export {tracking_id} was still {state} after {timeout:g} s"
            )
        logger.info(
            "offer export %s is %s; polling again in %g s", tracking_id, state, poll_interval
        )
        time.sleep(poll_interval)


def shape_offer(raw: Any) -> tuple[dict[str, Any] | None, str]:
    """An OF54 item as landed: dates in UTC, the default price flattened beside the list."""
    if not isinstance(raw, Mapping):
        return None, "offer is not a JSON object"
    if isinstance(raw.get("offer_id"), bool) or not isinstance(raw.get("offer_id"), int):
        return None, "offer has no integer offer_id; without it the offer cannot be merged"
    row = dict(raw)
    try:
        for name in ("date_created", "last_updated"):
            if row.get(name):
                row[name] = parse_utc(row[name])
        for price in row.get("prices") or []:
            for name in ("discount_start_date", "discount_end_date"):
                if price.get(name):
                    price[name] = parse_utc(price[name])
    except ValueError as error:
        return None, f"offer {raw['offer_id']}: {error}"
    default = next((p for p in row.get("prices") or [] if not p.get("context")), {})
    row["origin_price"] = default.get("origin_price")
    row["discount_price"] = default.get("discount_price")
    row["deleted"] = bool(row.get("deleted", False))
    return row, ""
