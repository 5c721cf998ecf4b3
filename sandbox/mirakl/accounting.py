"""Accounting: TL02 (transaction lines, seek), SBC11 (billing cycles, seek), IV01 (invoices)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from sandbox.http import HTTPError, Request, Response, Router
from sandbox.mirakl import enums, params
from sandbox.mirakl.config import Context
from sandbox.mirakl.paging import SeekSelection, SortKey, offset_page, seek_page
from sandbox.mirakl.params import Query, stored_timestamp, within
from sandbox.mirakl.state import Item

TRANSACTION_LOGS_MAX_LIMIT = 2000
BILLING_CYCLES_MAX_LIMIT = 1000


def register(router: Router, ctx: Context) -> None:
    router.add("GET", "/api/sellerpayment/transactions_logs", partial(list_transaction_logs, ctx))
    router.add("GET", "/api/seller-billing-cycles", partial(list_billing_cycles, ctx))
    router.add("GET", "/api/invoices", partial(list_invoices, ctx))


def _sortable(text: object) -> str:
    # Fixed-width UTC text sorts like the instant it names; an unreadable one sorts first.
    value = stored_timestamp(text) if isinstance(text, str) else None
    return value.strftime("%Y-%m-%dT%H:%M:%S.%f") if value else ""


def _seek_sort(
    query: Query, fields: dict[str, str], *, default: str
) -> tuple[Callable[[Item], SortKey], bool]:
    """Parse `sort=<criterion>[,ASC|DESC]` into a row key (unique thanks to the id) and order."""
    raw = params.first(query, "sort") or default
    criterion, _, direction = raw.partition(",")
    default_direction = default.partition(",")[2]
    direction = (direction or default_direction).upper()
    if criterion not in fields or direction not in ("ASC", "DESC"):
        raise HTTPError(
            400,
            f"Invalid value for parameter 'sort': '{raw}' (expected one of "
            + ", ".join(f"{name},ASC|DESC" for name in fields)
            + ")",
        )
    field = fields[criterion]

    def key(row: Item) -> SortKey:
        return (_sortable(row.get(field)), str(row.get("id")))

    return key, direction == "DESC"


# --- TL02 -------------------------------------------------------------------------------------


def list_transaction_logs(ctx: Context, request: Request) -> Response:
    return seek_page(
        request,
        max_limit=TRANSACTION_LOGS_MAX_LIMIT,
        select=partial(_select_transaction_logs, ctx),
    )


def _select_transaction_logs(ctx: Context, query: Query) -> SeekSelection:
    updated_from = params.date_time(query, "last_updated_from")
    created_from = params.date_time(query, "date_created_from")
    created_to = params.date_time(query, "date_created_to")
    transacted_from = params.date_time(query, "transaction_date_from")
    transacted_to = params.date_time(query, "transaction_date_to")
    cycles = set(params.values(query, "seller_billing_cycle_id"))
    order_ids = set(params.values(query, "order_id"))
    line_ids = set(params.values(query, "order_line_id"))
    types = set(params.values(query, "transaction_type", allowed=enums.TRANSACTION_TYPES))
    states = set(params.values(query, "payment_state", allowed=enums.TRANSACTION_PAYMENT_STATES))
    document_number = params.first(query, "accounting_document_number")
    document_id = params.first(query, "accounting_document_id")
    refs_customer = set(params.values(query, "order_reference_for_customer"))
    refs_seller = set(params.values(query, "order_reference_for_seller"))
    key, descending = _seek_sort(
        query,
        {"dateCreated": "date_created", "lastUpdated": "last_updated"},
        default="dateCreated,DESC",
    )

    def wanted(line: Item) -> bool:
        entities = line.get("entities") or {}
        order = entities.get("order") or {}
        references = order.get("references") or {}
        transaction = entities.get("transaction_info") or {}
        return (
            within(line.get("last_updated"), updated_from, None)
            and within(line.get("date_created"), created_from, created_to)
            and within(transaction.get("date"), transacted_from, transacted_to)
            and (not cycles or line.get("seller_billing_cycle_id") in cycles)
            and (not order_ids or order.get("id") in order_ids)
            and (not line_ids or (entities.get("order_line") or {}).get("id") in line_ids)
            and (not types or line.get("type") in types)
            and (not states or line.get("payment_state") in states)
            and (not document_number or line.get("accounting_document_number") == document_number)
            and (not document_id or line.get("accounting_document_id") == document_id)
            and (
                not refs_customer or references.get("order_reference_for_customer") in refs_customer
            )
            and (not refs_seller or references.get("order_reference_for_seller") in refs_seller)
        )

    rows = [line for line in ctx.state.transaction_logs if wanted(line)]
    rows.sort(key=key, reverse=descending)
    return SeekSelection(rows=rows, key=key, descending=descending)


# --- SBC11 ------------------------------------------------------------------------------------


def list_billing_cycles(ctx: Context, request: Request) -> Response:
    return seek_page(
        request,
        max_limit=BILLING_CYCLES_MAX_LIMIT,
        select=partial(_select_billing_cycles, ctx),
    )


def _select_billing_cycles(ctx: Context, query: Query) -> SeekSelection:
    # Both bounds are inclusive, as SBC11 documents.
    created_from = params.date_time(query, "start_date")
    created_to = params.date_time(query, "end_date")
    ids = set(params.values(query, "id"))
    states = set(params.values(query, "pay_out_state", allowed=enums.PAY_OUT_STATES))
    currencies = set(params.values(query, "currency"))
    psp_codes = set(params.values(query, "pay_out_psp_code"))
    key, descending = _seek_sort(query, {"dateCreated": "date_created"}, default="dateCreated,ASC")
    rows = [
        cycle
        for cycle in ctx.state.billing_cycles
        if within(cycle.get("date_created"), created_from, created_to)
        and (not ids or cycle.get("id") in ids)
        and (not states or (cycle.get("pay_out") or {}).get("state") in states)
        and (not currencies or cycle.get("currency_iso_code") in currencies)
        and (not psp_codes or cycle.get("pay_out_psp_code") in psp_codes)
    ]
    rows.sort(key=key, reverse=descending)
    return SeekSelection(rows=rows, key=key, descending=descending)


# --- IV01 -------------------------------------------------------------------------------------


def list_invoices(ctx: Context, request: Request) -> Response:
    query = request.query
    created_from = params.date_time(query, "start_date")
    created_to = params.date_time(query, "end_date")
    # Without `type`, IV01 lists only AUTO_INVOICE documents; ALL lifts the filter.
    document_type = params.choice(query, "type", enums.INVOICE_TYPES, default="AUTO_INVOICE")
    payment_status = params.choice(
        query, "payment_status", enums.INVOICE_PAYMENT_STATES | {""}, default=""
    )
    currency = params.first(query, "currency")
    invoice_ids = params.values(query, "invoice_id")
    if not all(value.isdigit() for value in invoice_ids):
        raise HTTPError(400, "Invalid value for parameter 'invoice_id': integers expected")
    wanted_ids = {int(value) for value in invoice_ids}
    cycles = set(params.values(query, "seller_billing_cycle_id"))
    params.choice(query, "sort", {"dateCreated"}, default="dateCreated")
    descending = params.choice(query, "order", {"asc", "desc"}, default="asc") == "desc"
    rows = [
        invoice
        for invoice in ctx.state.invoices
        if within(invoice.get("date_created"), created_from, created_to)
        and (document_type == "ALL" or invoice.get("type") == document_type)
        and (not payment_status or (invoice.get("payment") or {}).get("state") == payment_status)
        and (not currency or invoice.get("currency_iso_code") == currency)
        and (not wanted_ids or invoice.get("invoice_id") in wanted_ids)
        and (not cycles or invoice.get("seller_billing_cycle_id") in cycles)
    ]
    rows.sort(
        key=lambda i: (_sortable(i.get("date_created")), str(i.get("id"))), reverse=descending
    )
    return offset_page(request, rows, "invoices")
