"""Money: Mirakl's transaction lines, billing cycles, invoices; the bank; the ERP ledger.

Conventions shared with the drift models:

- TL02 ``amount = amount_credited − amount_debited`` (credit to the seller positive).
- A paid cycle's PAYMENT line debits the payout, so a cycle's lines sum to zero once paid.
- ERP ledger rows carrying a ``marketplace_order_id`` are that order's income and expense legs
  (revenue and shipping income as credits; commissions, fees and refunds as debits);
  balancing legs carry a ``payout_reference`` or nothing, never an order id.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sandbox.world.money import ZERO, total
from sandbox.world.schedule import Cycle
from sandbox.world.stories import OrderStory
from sandbox.world.truth import Truth

TOLERANCE = Decimal("0.01")
DEPOSIT_GRACE = dt.timedelta(days=3)
SUBSCRIPTION_FEE = Decimal("39.00")
SUBSCRIPTION_VAT = Decimal("7.80")

REVENUE, SHIPPING_INCOME, COMMISSIONS = (
    "4000 Marketplace revenue",
    "4010 Shipping income",
    "6100 Marketplace commissions",
)
REFUNDS, SUBSCRIPTIONS = "4090 Refunds and returns", "6110 Marketplace subscription"
RECEIVABLE, BANK = "1210 Mirakl receivable", "1000 Bank"


@dataclass
class Line:
    """One TL02 transaction line, before rendering."""

    line_id: str
    kind: str
    credited: Decimal
    debited: Decimal
    created_at: dt.datetime
    order: OrderStory | None = None
    order_line_index: int | None = None
    refund_id: str | None = None
    cycle: Cycle | None = None
    last_updated: dt.datetime | None = None

    @property
    def amount(self) -> Decimal:
        return self.credited - self.debited


@dataclass
class Settlement:
    lines: list[Line]
    cycles: list[Cycle]
    sbc11: list[dict[str, Any]]
    invoices: list[dict[str, Any]]
    deposits: list[dict[str, Any]]
    ledger: list[dict[str, Any]]
    notes: dict[str, str] = field(default_factory=dict)


class _Ids:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))


def _order_lines(story: OrderStory, as_of: dt.datetime, ids: _Ids) -> list[Line]:
    lines: list[Line] = []
    if story.debited_at is None or story.debited_at > as_of:
        return lines
    for line in story.lines:
        base = {"created_at": story.debited_at, "order": story, "order_line_index": line.index}
        lines.append(Line(ids.uuid(), "ORDER_AMOUNT", line.price, ZERO, **base))
        if line.shipping:
            lines.append(Line(ids.uuid(), "ORDER_SHIPPING_AMOUNT", line.shipping, ZERO, **base))
        lines.append(Line(ids.uuid(), "COMMISSION_FEE", ZERO, line.commission_fee, **base))
        lines.append(Line(ids.uuid(), "COMMISSION_VAT", ZERO, line.commission_vat, **base))
    for refund in story.mirakl_refunds:
        if refund.created_at > as_of:
            continue
        base = {
            "created_at": refund.created_at,
            "order": story,
            "order_line_index": refund.line_index,
            "refund_id": refund.refund_id,
        }
        lines.append(Line(ids.uuid(), "REFUND_ORDER_AMOUNT", ZERO, refund.amount, **base))
        if refund.shipping_amount:
            lines.append(
                Line(
                    ids.uuid(), "REFUND_ORDER_SHIPPING_AMOUNT", ZERO, refund.shipping_amount, **base
                )
            )
        lines.append(Line(ids.uuid(), "REFUND_COMMISSION_FEE", refund.commission_fee, ZERO, **base))
        lines.append(Line(ids.uuid(), "REFUND_COMMISSION_VAT", refund.commission_vat, ZERO, **base))
    return lines


def _ledger_row(
    entry_id: str,
    posted_at: dt.datetime,
    account: str,
    *,
    debit: Decimal = ZERO,
    credit: Decimal = ZERO,
    currency: str,
    order_id: str | None = None,
    payout_reference: str | None = None,
    memo: str,
) -> dict[str, Any]:
    return {
        "entry_id": entry_id,
        "posted_at": posted_at,
        "account": account,
        "debit": debit,
        "credit": credit,
        "currency": currency,
        "marketplace_order_id": order_id,
        "payout_reference": payout_reference,
        "memo": memo,
    }


def _order_ledger(story: OrderStory, as_of: dt.datetime, currency: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    order_id = story.order_id
    if (
        story.books_ledger
        and story.erp_created_at
        and story.erp_created_at <= as_of
        and story.debited_at
    ):
        at = story.erp_created_at
        prefix = f"JE-{story.number:06d}"
        commission = story.total_commission + story.ledger_commission_error
        rows.append(
            _ledger_row(
                f"{prefix}-1",
                at,
                REVENUE,
                credit=story.price,
                currency=currency,
                order_id=order_id,
                memo=f"Marketplace sale {order_id}",
            )
        )
        if story.shipping_price:
            rows.append(
                _ledger_row(
                    f"{prefix}-2",
                    at,
                    SHIPPING_INCOME,
                    credit=story.shipping_price,
                    currency=currency,
                    order_id=order_id,
                    memo=f"Shipping charged {order_id}",
                )
            )
        rows.append(
            _ledger_row(
                f"{prefix}-3",
                at,
                COMMISSIONS,
                debit=commission,
                currency=currency,
                order_id=order_id,
                memo=f"Marketplace commission {order_id}",
            )
        )
        net = story.price + story.shipping_price - commission
        rows.append(
            _ledger_row(
                f"{prefix}-4",
                at,
                RECEIVABLE,
                debit=net,
                currency=currency,
                memo=f"Receivable for {order_id}",
            )
        )
    for index, refund in enumerate(story.erp_refunds, start=1):
        if refund.created_at > as_of:
            continue
        prefix = f"JR-{story.number:06d}-{index}"
        at = refund.created_at
        rows.append(
            _ledger_row(
                f"{prefix}-1",
                at,
                REFUNDS,
                debit=refund.amount,
                currency=currency,
                order_id=order_id,
                memo=f"Refund {refund.refund_id} for {order_id}",
            )
        )
        rows.append(
            _ledger_row(
                f"{prefix}-2",
                at,
                COMMISSIONS,
                credit=refund.commission_refunded,
                currency=currency,
                order_id=order_id,
                memo=f"Commission refunded on {refund.refund_id}",
            )
        )
        rows.append(
            _ledger_row(
                f"{prefix}-3",
                at,
                RECEIVABLE,
                credit=refund.amount - refund.commission_refunded,
                currency=currency,
                memo=f"Receivable reduced by {refund.refund_id}",
            )
        )
    return rows


def build_settlement(
    rng: random.Random,
    *,
    stories: list[OrderStory],
    cycles: list[Cycle],
    history_start: dt.datetime,
    as_of: dt.datetime,
    shop_id: int,
    shop_name: str,
    currency: str,
    truth: Truth,
) -> Settlement:
    ids = _Ids(rng)
    paid = [cycle for cycle in cycles if cycle.is_paid(as_of)]
    settlement_notes: dict[str, str] = {}

    # ---- inject ledger drift before the ledger is written -------------------------------
    def has_unmirrored_refund(cycle: Cycle) -> bool:
        return any(
            s.debited_at
            and cycle.contains(s.debited_at)
            and sum(r.amount for r in s.erp_refunds)
            != sum(r.amount + r.shipping_amount for r in s.mirakl_refunds)
            for s in stories
        )

    ledger_cycle = paid[-3] if len(paid) >= 3 else None
    rounding_cycle = next(
        (c for c in reversed(paid) if c is not ledger_cycle and not has_unmirrored_refund(c)), None
    )

    def clean_order_in(cycle: Cycle) -> OrderStory | None:
        candidates = [
            s
            for s in stories
            if s.debited_at
            and cycle.contains(s.debited_at)
            and s.books_ledger
            and not s.erp_refunds
            and not s.mirakl_refunds
            and s.erp_total_override is None
        ]
        return rng.choice(candidates) if candidates else None

    if ledger_cycle and (story := clean_order_in(ledger_cycle)):
        story.ledger_commission_error = Decimal("-1") * story.lines[0].commission_vat - Decimal(
            "1.00"
        )
        settlement_notes["ledger commission booked wrong"] = story.order_id
    if rounding_cycle and (story := clean_order_in(rounding_cycle)):
        story.ledger_commission_error = Decimal("0.004")
        truth.lookalike(
            "ledger commission rounded to a tenth of a cent",
            "payout_variance",
            rounding_cycle.cycle_id,
        )

    # ---- Mirakl's transaction lines -------------------------------------------------------
    lines: list[Line] = []
    for story in stories:
        lines.extend(_order_lines(story, as_of, ids))
    month = dt.datetime(history_start.year, history_start.month, 2, 1, tzinfo=dt.UTC)
    while month <= as_of:
        if month > history_start:
            lines.append(Line(ids.uuid(), "SUBSCRIPTION_FEE", ZERO, SUBSCRIPTION_FEE, month))
            lines.append(Line(ids.uuid(), "SUBSCRIPTION_VAT", ZERO, SUBSCRIPTION_VAT, month))
        month = (month.replace(day=1) + dt.timedelta(days=32)).replace(day=2)

    for line in lines:
        line.cycle = next((cycle for cycle in cycles if cycle.contains(line.created_at)), None)

    by_cycle: dict[str, list[Line]] = defaultdict(list)
    for line in lines:
        if line.cycle:
            by_cycle[line.cycle.cycle_id].append(line)

    # ---- payouts, with drift on the Mirakl and bank legs ---------------------------------
    withheld_cycle = paid[-4] if len(paid) >= 4 else (paid[0] if paid else None)
    deposit_cycle = next(
        (
            c
            for c in reversed(paid)
            if c.paid_at + DEPOSIT_GRACE < as_of
            and c is not withheld_cycle
            and c is not ledger_cycle
        ),
        None,
    )
    penny_cycle = next(
        (c for c in paid if c not in (withheld_cycle, deposit_cycle, ledger_cycle)), None
    )
    deposit_missing = rng.random() < 0.5

    sbc11: list[dict[str, Any]] = []
    invoices: list[dict[str, Any]] = []
    deposits: list[dict[str, Any]] = []
    cycle_lines_total: dict[str, Decimal] = {}
    for number, cycle in enumerate(cycles, start=1):
        members = by_cycle.get(cycle.cycle_id, [])
        payout = total(line.amount for line in members)
        cycle_lines_total[cycle.cycle_id] = payout
        reference = cycle.payout_reference(shop_id)
        is_paid = cycle.is_paid(as_of)
        transferred = payout
        if is_paid:
            for line in members:
                line.last_updated = cycle.paid_at
            if cycle is withheld_cycle:
                # Mirakl paid out less than the lines add up to, and says so consistently.
                transferred = payout - Decimal("12.40")
                settlement_notes["payout short of its lines"] = cycle.cycle_id
            lines.append(
                Line(
                    ids.uuid(),
                    "PAYMENT",
                    ZERO,
                    transferred,
                    cycle.paid_at,
                    cycle=cycle,
                    last_updated=cycle.paid_at,
                )
            )
            received = cycle.paid_at + dt.timedelta(hours=rng.uniform(4, 30))
            amount = transferred
            if cycle is deposit_cycle:
                if deposit_missing:
                    received = None
                    settlement_notes["deposit never arrived"] = cycle.cycle_id
                else:
                    amount = transferred - Decimal("2.50")
                    settlement_notes["deposit short by a bank fee"] = cycle.cycle_id
            elif cycle is penny_cycle:
                amount = transferred - Decimal("0.01")
                truth.lookalike("deposit off by exactly 0.01", "payout_variance", cycle.cycle_id)
            if received is not None and received <= as_of:
                deposits.append(
                    {
                        "deposit_id": f"DEP-{cycle.ends:%Y%m%d}",
                        "received_at": received.replace(microsecond=0),
                        "amount": amount,
                        "currency": currency,
                        "reference": reference,
                    }
                )
        sbc11.append(
            _render_cycle(
                cycle,
                members,
                transferred,
                is_paid,
                reference,
                shop_id,
                shop_name,
                currency,
                number,
            )
        )
        invoices.append(
            _render_invoice(
                cycle, members, is_paid, reference, shop_id, shop_name, currency, number
            )
        )

    # ---- the ERP ledger ------------------------------------------------------------------
    ledger: list[dict[str, Any]] = []
    for story in stories:
        ledger.extend(_order_ledger(story, as_of, currency))
    for deposit in deposits:
        reference = deposit["reference"]
        ledger.append(
            _ledger_row(
                f"JB-{deposit['deposit_id']}-1",
                deposit["received_at"],
                BANK,
                debit=deposit["amount"],
                currency=currency,
                payout_reference=reference,
                memo=f"Mirakl payout {reference}",
            )
        )
        ledger.append(
            _ledger_row(
                f"JB-{deposit['deposit_id']}-2",
                deposit["received_at"],
                RECEIVABLE,
                credit=deposit["amount"],
                currency=currency,
                payout_reference=reference,
                memo=f"Clearing payout {reference}",
            )
        )
    for line in lines:
        if line.kind == "SUBSCRIPTION_FEE" and line.cycle and line.cycle.is_paid(as_of):
            reference = line.cycle.payout_reference(shop_id)
            at = line.cycle.paid_at
            fee = SUBSCRIPTION_FEE + SUBSCRIPTION_VAT
            ledger.append(
                _ledger_row(
                    f"JS-{line.cycle.ends:%Y%m%d}-1",
                    at,
                    SUBSCRIPTIONS,
                    debit=fee,
                    currency=currency,
                    payout_reference=reference,
                    memo="Marketplace subscription",
                )
            )
            ledger.append(
                _ledger_row(
                    f"JS-{line.cycle.ends:%Y%m%d}-2",
                    at,
                    RECEIVABLE,
                    credit=fee,
                    currency=currency,
                    payout_reference=reference,
                    memo="Subscription withheld from payout",
                )
            )

    _record_payout_truth(paid, by_cycle, lines, ledger, sbc11, deposits, as_of, shop_id, truth)
    lines.sort(key=lambda line: (line.created_at, line.line_id))
    return Settlement(lines, cycles, sbc11, invoices, deposits, ledger, settlement_notes)


def _record_payout_truth(
    paid: list[Cycle],
    by_cycle: dict[str, list[Line]],
    lines: list[Line],
    ledger: list[dict[str, Any]],
    sbc11: list[dict[str, Any]],
    deposits: list[dict[str, Any]],
    as_of: dt.datetime,
    shop_id: int,
    truth: Truth,
) -> None:
    """Evaluate each paid cycle's three legs, as the payout_variance rule defines them."""
    payment = {line.cycle.cycle_id: line for line in lines if line.kind == "PAYMENT" and line.cycle}
    transferred = {item["id"]: item["amount_transferred_to_seller"] for item in sbc11}
    deposit_by_reference = {deposit["reference"]: deposit for deposit in deposits}
    order_lines_by_order: dict[str, list[Line]] = defaultdict(list)
    for line in lines:
        if line.order is not None:
            order_lines_by_order[line.order.order_id].append(line)
    ledger_by_order: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in ledger:
        if row["marketplace_order_id"]:
            ledger_by_order[row["marketplace_order_id"]].append(row)

    for cycle in paid:
        members = by_cycle.get(cycle.cycle_id, [])
        lines_sum = total(line.amount for line in members)
        payout = -payment[cycle.cycle_id].amount
        legs = []
        if (
            abs(payout - lines_sum) > TOLERANCE
            or abs(transferred[cycle.cycle_id] - lines_sum) > TOLERANCE
        ):
            legs.append("payout")
        deposit = deposit_by_reference.get(cycle.payout_reference(shop_id))
        if deposit is None:
            if cycle.paid_at + DEPOSIT_GRACE < as_of:
                legs.append("bank")
        elif abs(deposit["amount"] - transferred[cycle.cycle_id]) > TOLERANCE:
            legs.append("bank")
        orders = {line.order.order_id for line in members if line.order is not None}
        mirakl_net = total(
            line.amount
            for order in orders
            for line in order_lines_by_order[order]
            if line.created_at <= cycle.paid_at
        )
        erp_net = total(
            row["credit"] - row["debit"]
            for order in orders
            for row in ledger_by_order[order]
            if row["posted_at"] <= cycle.paid_at
        )
        if abs(mirakl_net - erp_net) > TOLERANCE:
            legs.append("ledger")
        if legs:
            truth.add("payout_variance", cycle.cycle_id)


def _render_cycle(
    cycle, members, transferred, is_paid, reference, shop_id, shop_name, currency, number
):
    def sum_of(*kinds: str) -> Decimal:
        return total(line.amount for line in members if line.kind in kinds)

    orders = sum_of("ORDER_AMOUNT", "ORDER_SHIPPING_AMOUNT")
    commissions = sum_of("COMMISSION_FEE", "COMMISSION_VAT")
    refunds = sum_of("REFUND_ORDER_AMOUNT", "REFUND_ORDER_SHIPPING_AMOUNT")
    refund_commissions = sum_of("REFUND_COMMISSION_FEE", "REFUND_COMMISSION_VAT")
    subscription = sum_of("SUBSCRIPTION_FEE", "SUBSCRIPTION_VAT")
    pay_out: dict[str, Any] = {"state": "PAID" if is_paid else "TO_PAY"}
    if is_paid:
        pay_out.update({"reference": reference, "transaction_date": cycle.paid_at})
    return {
        "id": cycle.cycle_id,
        "date_created": cycle.created_at,
        "currency_iso_code": currency,
        "payment_voucher_number": f"PV{cycle.ends:%Y%m%d}{number:03d}",
        "amount_transferred_to_seller": transferred,
        "amount_transferred_to_operator": -(commissions + refund_commissions + subscription),
        "pay_out": pay_out,
        "pay_out_psp_code": "NOT_SPECIFIED",
        "shop": {"shop_id": shop_id, "shop_name": shop_name},
        "summary": {
            "total_payable_orders_incl_tax": orders,
            "total_commissions_incl_tax": commissions,
            "total_refund_orders_incl_tax": refunds,
            "total_refund_commissions_incl_tax": refund_commissions,
            "total_subscription_incl_tax": subscription,
        },
    }


def _render_invoice(cycle, members, is_paid, reference, shop_id, shop_name, currency, number):
    fees = total(
        line.debited - line.credited
        for line in members
        if line.kind in ("COMMISSION_FEE", "REFUND_COMMISSION_FEE", "SUBSCRIPTION_FEE")
    )
    taxes = total(
        line.debited - line.credited
        for line in members
        if line.kind in ("COMMISSION_VAT", "REFUND_COMMISSION_VAT", "SUBSCRIPTION_VAT")
    )
    payment: dict[str, Any] = {"state": "PAID" if is_paid else "PENDING"}
    if is_paid:
        payment.update({"reference": reference, "transaction_date": cycle.paid_at})
    return {
        "id": f"INV-{cycle.ends:%Y%m%d}",
        "invoice_id": 900_000 + number,
        "type": "AUTO_INVOICE",
        "state": "COMPLETE",
        "date_created": cycle.created_at,
        "issue_date": cycle.created_at,
        "due_date": cycle.paid_at,
        "currency_iso_code": currency,
        "total_amount_excl_taxes": fees,
        "total_amount_incl_taxes": fees + taxes,
        "total_taxes": [{"code": "TAXDEFAULT", "amount": taxes}],
        "payment": payment,
        "shop_id": shop_id,
        "shop_name": shop_name,
    }


def render_lines(lines: list[Line], currency: str) -> list[dict[str, Any]]:
    rendered = []
    balance = ZERO
    for line in lines:
        balance += line.amount
        item: dict[str, Any] = {
            "id": line.line_id,
            "type": line.kind,
            "amount": line.amount,
            "amount_credited": line.credited,
            "amount_debited": line.debited,
            "balance": balance,
            "currency_iso_code": currency,
            "date_created": line.created_at,
            "last_updated": line.last_updated or line.created_at,
            "payment_state": ("PAID" if line.last_updated and line.cycle else "PAYABLE"),
        }
        if line.cycle:
            item["seller_billing_cycle_id"] = line.cycle.cycle_id
        entities: dict[str, Any] = {}
        if line.order is not None:
            entities["order"] = {
                "id": line.order.order_id,
                "commercial_id": line.order.commercial_id,
                "creation_date": line.order.created_at,
            }
            entities["order_line"] = {"id": f"{line.order.order_id}-{line.order_line_index}"}
        if line.refund_id:
            entities["refund"] = {"id": line.refund_id}
        if entities:
            item["entities"] = entities
        rendered.append(item)
    return rendered
