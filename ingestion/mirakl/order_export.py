"""Bulk order backfill through Mirakl's asynchronous export (OR13 → OR14 → OR15).

Mirakl recommends OR13 over paging OR11 for large volumes: one request starts an export of
every order in a date range, OR14 is polled until the export is COMPLETED, and each URL it
lists (OR15) is one chunk `{"orders": [...]}` in the OR11 order schema.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator

from .exceptions import MiraklResponseError
from .helpers import MiraklClient, Page, format_api_datetime
from .settings import (
    ORDER_EXPORT_PATH,
    ORDER_EXPORT_STATUS_PATH,
)

# Mirakl's oldest possible order: the lower bound when no start date is configured.
EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
FINISHED_BADLY = ("FAILED", "CANCELED")


def exported_order_pages(
    client: MiraklClient,
    updated_from: dt.datetime | None,
    updated_to: dt.datetime,
    *,
    poll_interval: float,
    timeout: float,
    items_per_chunk: int | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[Page]:
    """Every order updated in [updated_from, updated_to], one page per export chunk."""
    request: dict[str, object] = {
        "start_update_date": format_api_datetime(updated_from or EPOCH),
        "end_update_date": format_api_datetime(updated_to),
    }
    if items_per_chunk is not None:
        request["items_per_chunk"] = items_per_chunk
    started = client.post_json(ORDER_EXPORT_PATH, request)
    tracking_id = started.get("tracking_id")
    if not tracking_id:
        raise MiraklResponseError("Mirakl answered OR13 without a tracking_id")
    deadline = time.monotonic() + timeout
    while True:
        status = client.get_json(ORDER_EXPORT_STATUS_PATH.format(tracking_id=tracking_id))
        state = status.get("status")
        if state == "COMPLETED":
            break
        if state in FINISHED_BADLY:
            raise MiraklResponseError(f"Mirakl's order export {tracking_id} ended {state}")
        if time.monotonic() > deadline:
            raise MiraklResponseError(
                f"Mirakl's order export {tracking_id} was still {state} after {timeout:.0f} s"
            )
        sleep(poll_interval)
    for url in status.get("urls") or []:
        chunk = client.send_json("GET", url)
        orders = chunk.get("orders")
        if not isinstance(orders, list):
            raise MiraklResponseError(f"an order export file of {tracking_id} has no orders list")
        if orders:
            yield orders
