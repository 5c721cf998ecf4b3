"""OR13/OR14/OR15: the asynchronous order export Mirakl recommends over OR11 for large volumes.

OR13 takes a JSON body of date ranges and filters and answers a tracking id; only one export
per shop may be running at a time. OR14 answers PENDING until the export is built (after the
configured number of polls), then COMPLETED with one URL per chunk; each chunk is cut at
`items_per_chunk` orders or `megabytes_per_chunk` of JSON. OR15 is a GET of such a URL and
answers `{"orders": [...]}` in the OR11 order schema, as the orders stood when OR13 was called.
"""

from __future__ import annotations

import copy
import datetime as dt
import uuid
from dataclasses import dataclass
from functools import partial
from typing import Any

from sandbox import jsonio
from sandbox.http import HTTPError, Request, Response, Router, json_response
from sandbox.jsonio import format_timestamp
from sandbox.mirakl import enums
from sandbox.mirakl.config import Context
from sandbox.mirakl.params import sort_instant, within
from sandbox.mirakl.state import Item

ITEMS_PER_CHUNK_MAX = 1_000_000
MEGABYTES_PER_CHUNK_RANGE = (10, 1024)
FILES_PATH = "/api/orders/async-export/files"
RANGES = (("start_date", "end_date"), ("start_update_date", "end_update_date"))


@dataclass
class OrderExport:
    tracking_id: str
    created_at: dt.datetime
    chunks: list[list[Item]]
    polls: int = 0
    status: str = "PENDING"
    last_updated: dt.datetime | None = None


def register(router: Router, ctx: Context) -> None:
    exports: dict[str, OrderExport] = {}
    router.add("POST", "/api/orders/async-export", partial(create_export, ctx, exports))
    router.add(
        "GET",
        "/api/orders/async-export/status/{tracking_id}",
        partial(export_status, ctx, exports),
    )
    router.add("GET", FILES_PATH + "/{tracking_id}", partial(export_file, ctx, exports))


def create_export(ctx: Context, exports: dict[str, OrderExport], request: Request) -> Response:
    body = request.json()
    if not isinstance(body, dict):
        raise HTTPError(400, "VALIDATION_ERROR: the request body must be a JSON object")
    bounds = {name: _instant(body, name) for pair in RANGES for name in pair}
    if all(bounds[start] is None for start, _ in RANGES):
        raise HTTPError(
            400,
            "VALIDATION_ERROR: give at least one date range: start_date/end_date "
            "or start_update_date/end_update_date",
        )
    for start, end in RANGES:
        if (bounds[start] is None) != (bounds[end] is None):
            raise HTTPError(400, f"VALIDATION_ERROR: '{start}' must be used with '{end}'")
    items_per_chunk = _bounded(
        body,
        "items_per_chunk",
        default=ITEMS_PER_CHUNK_MAX,
        minimum=ctx.config.export_items_per_chunk_minimum,
        maximum=ITEMS_PER_CHUNK_MAX,
    )
    megabytes = _bounded(
        body,
        "megabytes_per_chunk",
        default=512,
        minimum=MEGABYTES_PER_CHUNK_RANGE[0],
        maximum=MEGABYTES_PER_CHUNK_RANGE[1],
    )
    states = body.get("order_state_codes") or []
    unknown = [state for state in states if state not in enums.ORDER_STATES]
    if unknown:
        raise HTTPError(400, f"VALIDATION_ERROR: unknown order_state_codes {unknown}")
    channels = set(body.get("channel_codes") or [])
    only_null_channel = body.get("only_null_channel") is True

    running = [job for job in exports.values() if job.status == "PENDING"]
    if running:
        raise HTTPError(
            400,
            "An export is already running for this shop "
            f"(tracking id {running[0].tracking_id}); wait for it to complete",
        )

    def wanted(order: Item) -> bool:
        channel = (order.get("channel") or {}).get("code")
        return (
            within(order.get("created_date"), bounds["start_date"], bounds["end_date"])
            and within(
                order.get("last_updated_date"),
                bounds["start_update_date"],
                bounds["end_update_date"],
            )
            and (not states or order.get("order_state") in states)
            and (channel is None if only_null_channel else not channels or channel in channels)
        )

    rows = [copy.deepcopy(order) for order in ctx.state.orders.values() if wanted(order)]
    rows.sort(key=lambda o: (sort_instant(o.get("created_date")), str(o.get("order_id"))))
    job = OrderExport(
        tracking_id=str(uuid.uuid4()),
        created_at=ctx.now(),
        chunks=_chunks(rows, items_per_chunk, megabytes * 1024 * 1024),
    )
    exports[job.tracking_id] = job
    return json_response({"tracking_id": job.tracking_id})


def export_status(ctx: Context, exports: dict[str, OrderExport], request: Request) -> Response:
    job = _job(exports, request)
    job.polls += 1
    if job.status == "PENDING" and job.polls > ctx.config.export_polls_until_complete:
        job.status = "COMPLETED"
        job.last_updated = ctx.now()
    payload: dict[str, Any] = {
        "last_updated": format_timestamp(job.last_updated or job.created_at),
        "status": job.status,
    }
    if job.status == "COMPLETED":
        payload["urls"] = [
            f"{request.base_url}{FILES_PATH}/{job.tracking_id}?file=chunk-{index + 1}"
            for index in range(len(job.chunks))
        ]
    return json_response(payload)


def export_file(ctx: Context, exports: dict[str, OrderExport], request: Request) -> Response:
    job = _job(exports, request)
    name = request.arg("file") or ""
    number = name.removeprefix("chunk-")
    index = int(number) - 1 if number.isdigit() else -1
    if job.status != "COMPLETED" or not 0 <= index < len(job.chunks):
        raise HTTPError(404, f"No export file {name!r} for export {job.tracking_id}")
    return json_response({"orders": job.chunks[index]})


def _job(exports: dict[str, OrderExport], request: Request) -> OrderExport:
    tracking_id = request.path_params["tracking_id"]
    job = exports.get(tracking_id)
    if job is None:
        raise HTTPError(404, f"No asynchronous order export with tracking id {tracking_id}")
    return job


def _instant(body: dict[str, Any], name: str) -> dt.datetime | None:
    raw = body.get(name)
    if raw is None or raw == "":
        return None
    try:
        return jsonio.parse_timestamp(str(raw))
    except ValueError:
        raise HTTPError(
            400, f"VALIDATION_ERROR: '{name}' is not an ISO 8601 date-time: {raw!r}"
        ) from None


def _bounded(body: dict[str, Any], name: str, *, default: int, minimum: int, maximum: int) -> int:
    raw = body.get(name, default)
    if isinstance(raw, bool) or not isinstance(raw, int) or not minimum <= raw <= maximum:
        raise HTTPError(
            400, f"VALIDATION_ERROR: '{name}' must be an integer from {minimum} to {maximum}"
        )
    return raw


def _chunks(rows: list[Item], items_per_chunk: int, bytes_per_chunk: int) -> list[list[Item]]:
    chunks: list[list[Item]] = [[]]
    size = 0
    for row in rows:
        row_size = len(jsonio.dumps(row).encode())
        if chunks[-1] and (len(chunks[-1]) >= items_per_chunk or size + row_size > bytes_per_chunk):
            chunks.append([])
            size = 0
        chunks[-1].append(row)
        size += row_size
    return chunks
