"""Order stories: what happened to each order, in both systems, before and after as_of.

A story holds the full timeline of one marketplace order (Mirakl side and ERP side). The
renderers in ``mirakl_render`` and ``erp_render`` cut it at ``as_of`` to produce what each
system shows at that instant, so the two sides agree unless a drift was injected on purpose.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from sandbox.world.catalog import Item, Offer


@dataclass
class StoryLine:
    index: int
    offer: Offer
    item: Item
    quantity: int
    unit_price: Decimal
    shipping: Decimal
    commission_fee: Decimal
    commission_vat: Decimal

    @property
    def price(self) -> Decimal:
        return self.unit_price * self.quantity

    @property
    def total_commission(self) -> Decimal:
        return self.commission_fee + self.commission_vat


@dataclass
class MiraklRefund:
    refund_id: str
    line_index: int
    amount: Decimal
    shipping_amount: Decimal
    commission_fee: Decimal
    commission_vat: Decimal
    created_at: dt.datetime
    reason_code: str


@dataclass
class ErpRefund:
    refund_id: str
    amount: Decimal
    created_at: dt.datetime
    reason: str
    commission_refunded: Decimal


@dataclass
class Fulfilment:
    fulfilment_id: str
    shipped_at: dt.datetime
    carrier: str  # the ERP's own carrier name
    tracking_number: str


@dataclass
class OrderStory:
    number: int
    commercial_id: str
    created_at: dt.datetime
    lines: list[StoryLine]
    customer_number: int
    # Mirakl timeline (None: never happens)
    accepted_at: dt.datetime | None = None
    refused_at: dt.datetime | None = None
    auto_refused: bool = False
    canceled_at: dt.datetime | None = None
    debited_at: dt.datetime | None = None
    mirakl_shipped_at: dt.datetime | None = None
    received_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None
    mirakl_carrier_code: str | None = None
    # ERP timeline
    erp_order_id: str | None = None
    erp_created_at: dt.datetime | None = None
    erp_cancelled_at: dt.datetime | None = None
    erp_total_override: Decimal | None = None
    fulfilment: Fulfilment | None = None
    books_ledger: bool = True
    ledger_commission_error: Decimal = Decimal(0)
    # refunds on both sides
    mirakl_refunds: list[MiraklRefund] = field(default_factory=list)
    erp_refunds: list[ErpRefund] = field(default_factory=list)

    @property
    def order_id(self) -> str:
        return f"{self.commercial_id}-A"

    @property
    def price(self) -> Decimal:
        return sum((line.price for line in self.lines), Decimal(0))

    @property
    def shipping_price(self) -> Decimal:
        return sum((line.shipping for line in self.lines), Decimal(0))

    @property
    def total_price(self) -> Decimal:
        return self.price + self.shipping_price

    @property
    def total_commission(self) -> Decimal:
        return sum((line.total_commission for line in self.lines), Decimal(0))

    @property
    def shipping_deadline(self) -> dt.datetime | None:
        return self.debited_at + dt.timedelta(days=2) if self.debited_at else None

    @property
    def acceptance_deadline(self) -> dt.datetime:
        return self.created_at + dt.timedelta(hours=72)

    def state_at(self, as_of: dt.datetime) -> str:
        def happened(moment: dt.datetime | None) -> bool:
            return moment is not None and moment <= as_of

        if happened(self.refused_at):
            return "REFUSED"
        if happened(self.canceled_at):
            return "CANCELED"
        if happened(self.closed_at):
            return "CLOSED"
        if happened(self.received_at):
            return "RECEIVED"
        if happened(self.mirakl_shipped_at):
            return "SHIPPED"
        if happened(self.debited_at):
            return "SHIPPING"
        if happened(self.accepted_at):
            return "WAITING_DEBIT_PAYMENT"
        return "WAITING_ACCEPTANCE"

    def events_until(self, as_of: dt.datetime) -> list[dt.datetime]:
        moments = [
            self.created_at,
            self.accepted_at,
            self.refused_at,
            self.canceled_at,
            self.debited_at,
            self.mirakl_shipped_at,
            self.received_at,
            self.closed_at,
            *(refund.created_at for refund in self.mirakl_refunds),
        ]
        return [moment for moment in moments if moment is not None and moment <= as_of]
