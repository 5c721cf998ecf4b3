"""OF52/OF53/OF54: the asynchronous offer export, as an operator (or a shop) reads its offers.

OF52 (`POST /api/offers/export/async`) takes a JSON body and answers a tracking id; an identical
request while that export is still being built answers the same id. Without
`last_request_date` it exports the active offers (`include_inactive_offers` adds the inactive
ones); with it, every offer changed since then, inactive and deleted included, a deleted offer
carrying only offer_id, product_sku, shop_id, shop_sku, active and deleted
(`include_inactive_offers` is refused in that mode). OF53 answers PENDING for the configured
number of polls, then COMPLETED with one URL per chunk (`items_per_chunk` offers each); OF54 is
a GET of such a URL: a JSON array of offers (OF54 fields), or a `;`-separated CSV with every
value quoted (OF51's layout), as the offers stood when OF52 was called.
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import io
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from typing import Any

from sandbox import jsonio
from sandbox.http import HTTPError, Request, Response, Router, json_response, text_response
from sandbox.jsonio import format_timestamp

Item = dict[str, Any]
EXPORT_PATH = "/api/offers/export/async"
FILE_PATH = EXPORT_PATH + "/file"
EXPORT_TYPES = ("text/csv", "application/json")
ITEMS_PER_CHUNK_MAXIMUM = 1_000_000
MEGABYTES_PER_CHUNK_RANGE = (10, 1000)
DELETED_FIELDS = ("offer_id", "product_sku", "shop_id", "shop_sku", "active", "deleted")
JSON_FIELDS = (
    "offer_id",
    "product_sku",
    "shop_id",
    "shop_name",
    "shop_sku",
    "quantity",
    "prices",
    "currency_iso_code",
    "state_code",
    "active",
    "deleted",
    "leadtime_to_ship",
    "channels",
    "logistic_class",
    "warehouses",
    "date_created",
    "last_updated",
)
# OF51/OF52 CSV column -> how it is read from an offer.
CSV_COLUMNS: dict[str, Callable[[Item], Any]] = {
    "offer-id": lambda o: o.get("offer_id"),
    "product-sku": lambda o: o.get("product_sku"),
    "shop-id": lambda o: o.get("shop_id"),
    "shop-name": lambda o: o.get("shop_name"),
    "shop-sku": lambda o: o.get("shop_sku"),
    "quantity": lambda o: o.get("quantity"),
    "price": lambda o: _default_price(o, "discount_price") or _default_price(o, "origin_price"),
    "origin-price": lambda o: _default_price(o, "origin_price"),
    "discount-price": lambda o: _default_price(o, "discount_price"),
    "currency-iso-code": lambda o: o.get("currency_iso_code"),
    "state-code": lambda o: o.get("state_code"),
    "active": lambda o: o.get("active"),
    "deleted": lambda o: o.get("deleted"),
    "leadtime-to-ship": lambda o: o.get("leadtime_to_ship"),
    "channels": lambda o: "|".join(o.get("channels") or []) if "channels" in o else None,
    "logistic-class": lambda o: (o.get("logistic_class") or {}).get("code"),
    "date-created": lambda o: o.get("date_created"),
    "last-updated": lambda o: o.get("last_updated"),
}
CSV_DELETED_COLUMNS = ("offer-id", "product-sku", "shop-id", "shop-sku", "active", "deleted")


@dataclass
class OfferExport:
    tracking_id: str
    request_body: bytes
    export_type: str
    created_at: dt.datetime
    chunks: list[list[Item]]
    include_fields: list[str] | None
    rename_fields: dict[str, str]
    polls: int = 0
    status: str = "PENDING"
    last_updated: dt.datetime | None = None


@dataclass
class ExportContext:
    """The offers to export (by offer_id, deleted ones kept with `deleted: true`) and settings."""

    offers: dict[int, Item]
    now: Callable[[], dt.datetime]
    lock: threading.RLock
    polls_until_complete: int = 1
    items_per_chunk_minimum: int = 10_000
    exports: dict[str, OfferExport] = field(default_factory=dict)


def register(router: Router, ctx: ExportContext) -> None:
    router.add("POST", EXPORT_PATH, partial(create_export, ctx))
    router.add("GET", EXPORT_PATH + "/status/{tracking_id}", partial(export_status, ctx))
    router.add("GET", FILE_PATH + "/{tracking_id}", partial(export_file, ctx))


def _default_price(offer: Item, key: str) -> Decimal | None:
    for price in offer.get("prices") or []:
        if not price.get("context"):
            return price.get(key)
    return None


def _validation(message: str) -> HTTPError:
    return HTTPError(400, f"VALIDATION_ERROR: {message}")


def _instant(body: Item, name: str) -> dt.datetime | None:
    raw = body.get(name)
    if raw is None or raw == "":
        return None
    text = str(raw)
    if "T" not in text or not (text.endswith("Z") or text[-6] in "+-"):
        raise _validation(f"'{name}' must be an ISO 8601 date-time with a time zone: {raw!r}")
    try:
        return jsonio.parse_timestamp(text)
    except ValueError:
        raise _validation(f"'{name}' is not a valid date-time: {raw!r}") from None


def _bounded(body: Item, name: str, default: int, minimum: int, maximum: int) -> int:
    raw = body.get(name, default)
    if isinstance(raw, bool) or not isinstance(raw, int) or not minimum <= raw <= maximum:
        raise _validation(f"'{name}' must be an integer from {minimum} to {maximum}")
    return raw


def _strings(body: Item, name: str) -> list[str] | None:
    raw = body.get(name)
    if raw is None:
        return None
    if not isinstance(raw, list) or not all(isinstance(v, str) for v in raw):
        raise _validation(f"'{name}' must be a list of strings")
    return raw


def create_export(ctx: ExportContext, request: Request) -> Response:
    body = request.json()
    if not isinstance(body, dict):
        raise _validation("the request body must be a JSON object")
    export_type = body.get("export_type", "text/csv")
    if export_type not in EXPORT_TYPES:
        raise _validation(f"'export_type' must be one of {', '.join(EXPORT_TYPES)}")
    since = _instant(body, "last_request_date")
    include_inactive = body.get("include_inactive_offers", False)
    if not isinstance(include_inactive, bool):
        raise _validation("'include_inactive_offers' must be true or false")
    if since is not None and "include_inactive_offers" in body:
        raise _validation(
            "'include_inactive_offers' cannot be used with 'last_request_date': a differential "
            "export already includes inactive and deleted offers"
        )
    items_per_chunk = _bounded(
        body,
        "items_per_chunk",
        ITEMS_PER_CHUNK_MAXIMUM,
        ctx.items_per_chunk_minimum,
        ITEMS_PER_CHUNK_MAXIMUM,
    )
    _bounded(body, "megabytes_per_chunk", 100, *MEGABYTES_PER_CHUNK_RANGE)
    channels = set(_strings(body, "channel_codes") or [])
    _strings(body, "shipping_zones")
    include_fields = _strings(body, "include_fields")
    known = set(JSON_FIELDS if export_type == "application/json" else CSV_COLUMNS)
    unknown = sorted(set(include_fields or []) - known)
    if unknown:
        raise _validation(f"unknown field(s) in 'include_fields': {', '.join(unknown)}")
    rename = body.get("rename_fields") or {}
    if rename and (export_type != "text/csv" or not isinstance(rename, dict)):
        raise _validation("'rename_fields' is an object, accepted for CSV exports only")

    for job in ctx.exports.values():
        if job.status == "PENDING" and job.request_body == request.body:
            return json_response({"tracking_id": job.tracking_id})

    def wanted(offer: Item) -> bool:
        offered = set(offer.get("channels") or [])
        if channels and offered and not offered & channels:
            return False
        if since is not None:
            updated = jsonio.parse_timestamp(offer["last_updated"])
            return updated >= since
        if offer.get("deleted"):
            return False
        return bool(offer.get("active")) or include_inactive

    rows = []
    for offer_id in sorted(ctx.offers):
        offer = ctx.offers[offer_id]
        if wanted(offer):
            if offer.get("deleted"):
                rows.append({name: offer.get(name) for name in DELETED_FIELDS})
            else:
                rows.append(copy.deepcopy(offer))
    chunks = [rows[i : i + items_per_chunk] for i in range(0, len(rows), items_per_chunk)]
    job = OfferExport(
        tracking_id=str(uuid.uuid4()),
        request_body=request.body,
        export_type=export_type,
        created_at=ctx.now(),
        chunks=chunks or [[]],
        include_fields=include_fields,
        rename_fields={str(k): str(v) for k, v in rename.items()},
    )
    ctx.exports[job.tracking_id] = job
    return json_response({"tracking_id": job.tracking_id})


def _job(ctx: ExportContext, request: Request) -> OfferExport:
    tracking_id = request.path_params["tracking_id"]
    job = ctx.exports.get(tracking_id)
    if job is None:
        raise HTTPError(404, f"No offer export with tracking id {tracking_id}")
    return job


def export_status(ctx: ExportContext, request: Request) -> Response:
    job = _job(ctx, request)
    job.polls += 1
    if job.status == "PENDING" and job.polls > ctx.polls_until_complete:
        job.status = "COMPLETED"
        job.last_updated = ctx.now()
    payload: Item = {
        "last_updated": format_timestamp(job.last_updated or job.created_at),
        "status": job.status,
    }
    if job.status == "COMPLETED":
        extension = "json" if job.export_type == "application/json" else "csv"
        payload["urls"] = [
            f"{request.base_url}{FILE_PATH}/{job.tracking_id}"
            f"?file=of52-export%2Foffers%2F{index}.{extension}"
            for index in range(len(job.chunks))
        ]
    return json_response(payload)


def export_file(ctx: ExportContext, request: Request) -> Response:
    job = _job(ctx, request)
    name = request.arg("file") or ""
    stem = name.removeprefix("of52-export/offers/").rsplit(".", 1)[0]
    index = int(stem) if stem.isdigit() else -1
    if job.status != "COMPLETED" or not 0 <= index < len(job.chunks):
        raise HTTPError(404, f"No export file {name!r} for offer export {job.tracking_id}")
    chunk = job.chunks[index]
    if job.export_type == "application/json":
        fields = job.include_fields
        return json_response(
            [{k: v for k, v in offer.items() if fields is None or k in fields} for offer in chunk]
        )
    return text_response(_csv(job, chunk), content_type="text/csv; charset=utf-8")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value.quantize(Decimal("0.01")), "f")
    return str(value)


def _csv(job: OfferExport, chunk: list[Item]) -> str:
    columns = [c for c in CSV_COLUMNS if job.include_fields is None or c in job.include_fields]
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writerow([job.rename_fields.get(column, column) for column in columns])
    for offer in chunk:
        deleted = bool(offer.get("deleted"))
        writer.writerow(
            [
                _cell(CSV_COLUMNS[c](offer)) if not deleted or c in CSV_DELETED_COLUMNS else ""
                for c in columns
            ]
        )
    return out.getvalue()
