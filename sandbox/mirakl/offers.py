"""Offers: OF21 (list), OF24 (create/update/delete), STO01-STO03 (stock import and its tracking)."""

from __future__ import annotations

import csv
import io
import uuid
from decimal import Decimal
from functools import partial
from typing import Any

from sandbox.http import (
    HTTPError,
    Request,
    Response,
    Router,
    json_response,
    text_response,
)
from sandbox.jsonio import format_timestamp, parse_timestamp
from sandbox.mirakl import params
from sandbox.mirakl.config import Context
from sandbox.mirakl.paging import offset_page
from sandbox.mirakl.state import Item, StockImport

# OF21 says a platform default applies when an offer has no lead time; this is the sandbox's.
PLATFORM_DEFAULT_LEADTIME_TO_SHIP = 2
STOCK_IMPORT_COLUMNS = ("offer-sku", "quantity", "warehouse-code", "update-delete")
UPDATE_DELETE_VALUES = ("", "update", "delete")


def register(router: Router, ctx: Context) -> None:
    router.add("GET", "/api/offers", partial(list_offers, ctx))
    router.add("POST", "/api/offers", partial(upsert_offers, ctx))
    router.add("POST", "/api/offers/stock/imports", partial(import_stock, ctx))
    router.add(
        "GET", "/api/offers/stock/imports/{import_id}/status", partial(stock_import_status, ctx)
    )
    router.add(
        "GET",
        "/api/offers/stock/imports/{import_id}/error_report",
        partial(stock_import_error_report, ctx),
    )


# --- OF21 -------------------------------------------------------------------------------------


def _total_price(offer: Item) -> Decimal:
    value = offer.get("total_price", offer.get("price"))
    return Decimal(str(value)) if value is not None else Decimal(0)


def _price(offer: Item) -> Decimal:
    value = offer.get("price")
    return Decimal(str(value)) if value is not None else Decimal(0)


SORTS = {
    "totalPrice": lambda o: (_total_price(o), o.get("offer_id") or 0),
    "price": lambda o: (_price(o), _total_price(o), o.get("offer_id") or 0),
    "productTitle": lambda o: (
        str(o.get("product_title") or ""),
        _total_price(o),
        o.get("offer_id") or 0,
    ),
}


def list_offers(ctx: Context, request: Request) -> Response:
    query = request.query
    sku = params.first(query, "sku")
    product_id = params.first(query, "product_id")
    state_codes = set(params.values(query, "offer_state_codes"))
    sort = params.choice(query, "sort", SORTS.keys(), default="totalPrice")
    descending = params.choice(query, "order", {"asc", "desc"}, default="asc") == "desc"
    rows = [
        offer
        for offer in ctx.state.offers.values()
        if (not sku or offer.get("shop_sku") == sku)
        and (not product_id or offer.get("product_sku") == product_id)
        and (not state_codes or offer.get("state_code") in state_codes)
    ]
    rows.sort(key=SORTS[sort], reverse=descending)
    return offset_page(request, rows, "offers")


# --- OF24 -------------------------------------------------------------------------------------


def _number(value: Any, name: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
        raise HTTPError(400, f"Error with field {name}. Please check the field datatype.")
    try:
        return Decimal(str(value))
    except ArithmeticError:
        raise HTTPError(400, f"Error with field {name}. Please check the field datatype.") from None


def _optional_int(payload: dict[str, Any], name: str) -> int | None:
    value = payload.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise HTTPError(400, f"Error with field {name}. Please check the field datatype.")
    return value


def upsert_offers(ctx: Context, request: Request) -> Response:
    """OF24: every offer sent replaces the stored one; a field left out is reset, not kept.

    Mirakl processes OF24 asynchronously (tracked with OF02, not emulated here); the sandbox
    applies the import before answering, so OF21 shows the result at once.
    """
    body = request.json()
    offers = body.get("offers") if isinstance(body, dict) else None
    if not isinstance(offers, list) or not offers:
        raise HTTPError(400, "VALIDATION_ERROR: offers must be a non-empty list")
    # Mirakl answers a repeated identical request with the id of the first import.
    duplicate = ctx.state.offer_imports.get(request.body)
    if duplicate is not None:
        return json_response({"import_id": duplicate}, status=201)
    changes = [_validated_offer(payload) for payload in offers]
    for payload in changes:
        sku = payload["shop_sku"]
        if payload["update_delete"] == "delete":
            ctx.state.offers.pop(sku, None)
        else:
            ctx.state.offers[sku] = _replaced_offer(ctx, ctx.state.offers.get(sku), payload)
    import_id = 2000 + ctx.state.next_sequence()
    ctx.state.offer_imports[request.body] = import_id
    return json_response({"import_id": import_id}, status=201)


def _validated_offer(payload: Any) -> dict[str, Any]:
    if not isinstance(payload, dict):
        raise HTTPError(400, "Error with field offers. Please check the field datatype.")
    for name in ("shop_sku", "product_id", "product_id_type", "state_code"):
        if not isinstance(payload.get(name), str) or not payload[name]:
            raise HTTPError(400, f"VALIDATION_ERROR: offers[].{name} is required")
    if payload.get("price") is None:
        raise HTTPError(400, "VALIDATION_ERROR: offers[].price is required")
    payload["price"] = _number(payload["price"], "price")
    update_delete = payload.get("update_delete")
    if update_delete is None or update_delete not in UPDATE_DELETE_VALUES:
        raise HTTPError(
            400, "VALIDATION_ERROR: offers[].update_delete must be '', 'update' or 'delete'"
        )
    for name in (
        "quantity",
        "min_quantity_alert",
        "leadtime_to_ship",
        "min_order_quantity",
        "max_order_quantity",
        "package_quantity",
    ):
        _optional_int(payload, name)
    return payload


def _replaced_offer(ctx: Context, existing: Item | None, payload: dict[str, Any]) -> Item:
    price: Decimal = payload["price"]
    if existing is None:
        offer_id = 1 + max(
            (int(o.get("offer_id") or 0) for o in ctx.state.offers.values()), default=0
        )
        existing = {
            "offer_id": offer_id,
            "product_sku": payload["product_id"],
            "product_title": payload["product_id"],
            "product_references": [
                {"reference": payload["product_id"], "reference_type": payload["product_id_type"]}
            ],
            "category_code": None,
            "category_label": None,
            "channels": [],
            "currency_iso_code": _shop_currency(ctx),
            "fulfillment": {"center": {"code": "DEFAULT"}},
            "min_shipping_price": Decimal("0.00"),
            "min_shipping_price_additional": Decimal("0.00"),
            "min_shipping_type": None,
            "min_shipping_zone": None,
            "shipping_deadline": None,
            "inactivity_reasons": [],
        }
    offer = dict(existing)
    min_shipping = Decimal(str(offer.get("min_shipping_price") or 0))
    logistic_class = payload.get("logistic_class")
    old_class = existing.get("logistic_class") or {}
    discount = payload.get("discount")
    offer.update(
        shop_sku=payload["shop_sku"],
        state_code=payload["state_code"],
        price=price,
        total_price=price + min_shipping,
        all_prices=[
            {
                "channel_code": None,
                "price": price,
                "unit_origin_price": price,
                "unit_discount_price": None,
                "volume_prices": [
                    {
                        "price": price,
                        "quantity_threshold": 1,
                        "unit_origin_price": price,
                        "unit_discount_price": None,
                    }
                ],
            }
        ],
        # The trap OF24 documents: a quantity left out becomes 0.
        quantity=payload.get("quantity") or 0,
        active=True,
        description=payload.get("description"),
        internal_description=payload.get("internal_description"),
        leadtime_to_ship=_leadtime(payload.get("leadtime_to_ship")),
        min_quantity_alert=payload.get("min_quantity_alert"),
        min_order_quantity=payload.get("min_order_quantity"),
        max_order_quantity=payload.get("max_order_quantity"),
        package_quantity=payload.get("package_quantity"),
        logistic_class=(
            {
                "code": logistic_class,
                "label": old_class.get("label", logistic_class)
                if old_class.get("code") == logistic_class
                else logistic_class,
            }
            if logistic_class
            else None
        ),
        discount=(
            {
                "discount_price": discount.get("price"),
                "origin_price": price,
                "start_date": discount.get("start_date"),
                "end_date": discount.get("end_date"),
                "ranges": discount.get("ranges") or [],
            }
            if isinstance(discount, dict)
            else None
        ),
        available_start_date=payload.get("available_started"),
        available_end_date=payload.get("available_ended"),
        price_additional_info=payload.get("price_additional_info"),
        product_tax_code=payload.get("product_tax_code"),
        allow_quote_requests=bool(payload.get("allow_quote_requests", False)),
        offer_additional_fields=payload.get("offer_additional_fields") or [],
    )
    offer.pop("applicable_pricing", None)
    return offer


def _leadtime(value: int | None) -> int:
    # OF21: an unset lead time falls back to the platform default; a stored 0 reads as 1 unless
    # that default is 0.
    if value is None:
        return PLATFORM_DEFAULT_LEADTIME_TO_SHIP
    if value == 0 and PLATFORM_DEFAULT_LEADTIME_TO_SHIP != 0:
        return 1
    return value


def _shop_currency(ctx: Context) -> str | None:
    for offer in ctx.state.offers.values():
        if offer.get("currency_iso_code"):
            return str(offer["currency_iso_code"])
    return None


# --- STO01-STO03 ------------------------------------------------------------------------------


def import_stock(ctx: Context, request: Request) -> Response:
    part = request.form().get("file")
    if part is None:
        raise HTTPError(400, "The multipart field 'file' is required")
    try:
        text = part.data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise HTTPError(400, "The stock file must be UTF-8 encoded CSV") from None
    lines = list(csv.reader(io.StringIO(text), delimiter=";"))
    header = [name.strip().lower() for name in lines[0]] if lines else []
    header_error = None
    unknown = [name for name in header if name not in STOCK_IMPORT_COLUMNS]
    if not header or "offer-sku" not in header or "quantity" not in header:
        header_error = "The file header must name the columns " + ";".join(
            f'"{name}"' for name in STOCK_IMPORT_COLUMNS
        )
    elif unknown:
        header_error = f"Unknown column(s) in the file header: {', '.join(unknown)}"
    rows = []
    for number, cells in enumerate(lines[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue
        record = dict(zip(header, cells, strict=False))
        rows.append(
            (
                number,
                record.get("offer-sku", "").strip(),
                record.get("quantity", "").strip(),
                record.get("warehouse-code", "").strip(),
                record.get("update-delete", "").strip().lower(),
            )
        )
    import_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"sto01/{ctx.state.next_sequence()}"))
    ctx.state.stock_imports[import_id] = StockImport(
        import_id=import_id,
        date_created=format_timestamp(ctx.now()),
        rows=rows,
        header_error=header_error,
    )
    status_url = f"{request.base_url}/api/offers/stock/imports/{import_id}/status"
    return json_response({"import_id": import_id}, status=201, headers=[("Location", status_url)])


def _stock_import(ctx: Context, request: Request) -> StockImport:
    import_id = request.path_params["import_id"]
    found = ctx.state.stock_imports.get(import_id)
    if found is None:
        raise HTTPError(404, f"Stock import {import_id} does not exist")
    return found


def stock_import_status(ctx: Context, request: Request) -> Response:
    job = _stock_import(ctx, request)
    if job.status not in ("COMPLETE", "FAILED"):
        job.polls += 1
        if job.polls > ctx.config.stock_import_polls_until_complete:
            _run_stock_import(ctx, job)
        else:
            job.status = "WAITING" if job.polls == 1 else "RUNNING"
    return json_response(
        {
            "import_id": job.import_id,
            "status": job.status,
            "date_created": job.date_created,
            "has_error_report": bool(job.errors),
            "lines_in_success": job.lines_in_success,
            "lines_in_error": job.lines_in_error,
            "shop_id": ctx.state.shop_id,
        }
    )


def settle_stock_imports(ctx: Context) -> None:
    """Complete every stock import Mirakl would have finished in the background by now."""
    delay = ctx.config.stock_import_seconds_until_complete
    if delay is None or not ctx.state.stock_imports:
        return
    now = ctx.now()
    for job in ctx.state.stock_imports.values():
        if job.status in ("COMPLETE", "FAILED"):
            continue
        if (now - parse_timestamp(job.date_created)).total_seconds() >= delay:
            _run_stock_import(ctx, job)


def _run_stock_import(ctx: Context, job: StockImport) -> None:
    if job.header_error is not None:
        job.status = "FAILED"
        job.errors = [(1, job.header_error, list(STOCK_IMPORT_COLUMNS))]
        job.lines_in_error = len(job.rows)
        return
    for number, sku, quantity_text, warehouse, update_delete in job.rows:
        original = [sku, quantity_text, warehouse, update_delete]
        offer = ctx.state.offers.get(sku)
        error = None
        if not sku:
            error = "The offer-sku is missing"
        elif offer is None:
            error = f"The offer with sku '{sku}' does not exist"
        elif update_delete not in UPDATE_DELETE_VALUES:
            error = f"Invalid update-delete value '{update_delete}'"
        elif update_delete != "delete" and not quantity_text.isdigit():
            error = f"Invalid quantity '{quantity_text}': a whole number >= 0 is expected"
        if error is not None or offer is None:
            job.errors.append((number, error or "", original))
            continue
        quantity = 0 if update_delete == "delete" else int(quantity_text)
        _set_stock(offer, quantity, warehouse or None, delete=update_delete == "delete")
        job.lines_in_success += 1
    job.lines_in_error = len(job.errors)
    job.status = "COMPLETE"


def _set_stock(offer: Item, quantity: int, warehouse: str | None, *, delete: bool) -> None:
    if warehouse is None:
        offer["quantity"] = quantity
        return
    warehouses = [w for w in offer.get("warehouses") or [] if w.get("code") != warehouse]
    if not delete:
        warehouses.append({"code": warehouse, "quantity": quantity})
    offer["warehouses"] = warehouses
    # With per-warehouse stock the offer's quantity is their sum.
    offer["quantity"] = sum(int(w.get("quantity") or 0) for w in warehouses)


def stock_import_error_report(ctx: Context, request: Request) -> Response:
    job = _stock_import(ctx, request)
    if not job.errors:
        raise HTTPError(404, f"Stock import {job.import_id} has no error report")
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writerow(["line-number", "error-message", *STOCK_IMPORT_COLUMNS])
    for number, reason, original in job.errors:
        writer.writerow([number, reason, *original])
    return text_response(out.getvalue(), content_type="text/csv; charset=utf-8")
