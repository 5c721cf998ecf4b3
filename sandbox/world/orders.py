"""Build the order stories of the demo world, clean ones and injected drifts.

Clean stories keep every time-based rule on its quiet side: orders are accepted within the
hour, the ERP imports a paid order within the hour, Mirakl gets the tracking within the hour
of the warehouse shipping, and each ERP refund is mirrored to Mirakl within the hour.
Injected stories break exactly one promise (or two that always travel together), and
record what they break in the ground truth.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from decimal import Decimal

from sandbox.world.catalog import Catalog
from sandbox.world.money import cents
from sandbox.world.stories import ErpRefund, Fulfilment, MiraklRefund, OrderStory, StoryLine
from sandbox.world.truth import Truth

MINUTE = dt.timedelta(minutes=1)
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
COMMISSION_RATE = Decimal("0.12")
COMMISSION_VAT_RATE = Decimal("0.20")
REFUND_REASONS = ("15", "16", "18")
ERP_REFUND_REASONS = ("Damaged in transit", "Customer return", "Missing item", "Late delivery")

# ERP carrier spellings: the clean ones map (case and spacing vary, as they do in real ERPs).
CLEAN_CARRIERS = ("Colissimo", "Chronopost", "UPS Standard", "DHL Express", "DPD France", "GLS")
LOOKALIKE_CARRIERS = ("  ups STANDARD ", "COLISSIMO", "dpd france")
UNMAPPED_CARRIERS = ("Geodis", "Mondial Relay")  # no mapping / a code Mirakl does not know


class StoryFactory:
    def __init__(
        self,
        rng: random.Random,
        catalog: Catalog,
        as_of: dt.datetime,
        carrier_codes: dict[str, str],
        payout_times: list[dt.datetime],
    ) -> None:
        self.rng = rng
        self.offers = catalog.sellable_offers()
        self.catalog = catalog
        self.as_of = as_of
        self.carrier_codes = carrier_codes
        self.payout_times = payout_times
        self._number = 0
        self._refund_number = 0

    # ---- identities ---------------------------------------------------------------------
    def new_story(self, created_at: dt.datetime) -> OrderStory:
        self._number += 1
        rng = self.rng
        lines = []
        for index, offer in enumerate(
            rng.sample(self.offers, k=min(len(self.offers), rng.choice([1, 1, 1, 2, 2, 3]))),
            start=1,
        ):
            quantity = rng.choice([1, 1, 1, 2, 3])
            shipping = (
                Decimal("4.90") if index == 1 else rng.choice([Decimal("0"), Decimal("1.50")])
            )
            fee = cents(offer.price * quantity * COMMISSION_RATE)
            lines.append(
                StoryLine(
                    index=index,
                    offer=offer,
                    item=self.catalog.item_for_shop_sku(offer.shop_sku),
                    quantity=quantity,
                    unit_price=offer.price,
                    shipping=shipping,
                    commission_fee=fee,
                    commission_vat=cents(fee * COMMISSION_VAT_RATE),
                )
            )
        return OrderStory(
            number=self._number,
            commercial_id=f"NW{10_000_000 + self._number}",
            created_at=created_at,
            lines=lines,
            customer_number=rng.randint(1, 10_000),
        )

    def _next_refund_id(self) -> str:
        self._refund_number += 1
        return str(5000 + self._refund_number)

    def _minutes(self, low: float, high: float) -> dt.timedelta:
        return dt.timedelta(seconds=round(self.rng.uniform(low, high) * 60))

    # ---- the clean lifecycle -------------------------------------------------------------
    def live(self, story: OrderStory, *, outcome: str = "ships") -> OrderStory:
        """Fill a clean timeline: accepted within the hour, everything mirrored promptly."""
        rng = self.rng
        created = story.created_at
        if outcome == "refused":
            story.refused_at = created + self._minutes(3, 50)
            return story
        if outcome == "auto_refused":
            story.refused_at = created + dt.timedelta(hours=72)
            story.auto_refused = True
            return story
        story.accepted_at = created + self._minutes(3, 50)
        if outcome == "canceled":
            story.canceled_at = story.accepted_at + self._minutes(30, 120)
            return story
        story.debited_at = story.accepted_at + self._minutes(2, 30)
        story.erp_order_id = f"SO{200_000 + story.number}"
        story.erp_created_at = story.debited_at + self._minutes(5, 45)
        shipped = story.debited_at + dt.timedelta(hours=rng.uniform(4, 40))
        story.fulfilment = Fulfilment(
            fulfilment_id=f"IF{300_000 + story.number}",
            shipped_at=shipped,
            carrier=rng.choice(CLEAN_CARRIERS),
            tracking_number=f"TRK{rng.randint(10**11, 10**12 - 1)}",
        )
        story.mirakl_shipped_at = shipped + self._minutes(5, 45)
        story.mirakl_carrier_code = self.carrier_codes[story.fulfilment.carrier.strip().lower()]
        story.received_at = story.mirakl_shipped_at + dt.timedelta(days=rng.uniform(2, 4))
        story.closed_at = story.received_at + dt.timedelta(days=14)
        return story

    def refund_cleanly(self, story: OrderStory, *, split: bool = False) -> None:
        """An ERP refund mirrored to Mirakl within the hour, never straddling a payout."""
        assert story.received_at is not None and story.closed_at is not None
        window_end = min(story.closed_at - HOUR, self.as_of - 2 * HOUR)
        earliest = story.received_at + HOUR
        if window_end <= earliest:
            return
        for _ in range(20):
            erp_at = earliest + (window_end - earliest) * self.rng.random()
            if all(abs(erp_at - payout) > 2 * HOUR for payout in self.payout_times):
                break
        else:
            return
        mirakl_at = erp_at + self._minutes(5, 40)
        if split and len(story.lines) >= 2:
            first, second = story.lines[0], story.lines[1]
            parts = [
                (first, first.price, first.shipping),
                (second, cents(second.price / 2), Decimal(0)),
            ]
        else:
            line = self.rng.choice(story.lines)
            full = self.rng.random() < 0.6
            amount = line.price if full else cents(line.price * Decimal("0.3"))
            parts = [(line, amount, line.shipping if full else Decimal(0))]
        total = Decimal(0)
        commission_total = Decimal(0)
        for line, amount, shipping in parts:
            fee = cents(amount * COMMISSION_RATE)
            vat = cents(fee * COMMISSION_VAT_RATE)
            story.mirakl_refunds.append(
                MiraklRefund(
                    refund_id=self._next_refund_id(),
                    line_index=line.index,
                    amount=amount,
                    shipping_amount=shipping,
                    commission_fee=fee,
                    commission_vat=vat,
                    created_at=mirakl_at,
                    reason_code=self.rng.choice(REFUND_REASONS),
                )
            )
            total += amount + shipping
            commission_total += fee + vat
        story.erp_refunds.append(
            ErpRefund(
                refund_id=f"CM{400_000 + story.number}-{len(story.erp_refunds) + 1}",
                amount=total,
                created_at=erp_at,
                reason=self.rng.choice(ERP_REFUND_REASONS),
                commission_refunded=commission_total,
            )
        )


def build_orders(
    rng: random.Random,
    *,
    catalog: Catalog,
    order_count: int,
    history_days: int,
    as_of: dt.datetime,
    carrier_codes: dict[str, str],
    payout_times: list[dt.datetime],
    truth: Truth,
) -> list[OrderStory]:
    factory = StoryFactory(rng, catalog, as_of, carrier_codes, payout_times)
    stories: list[OrderStory] = []
    history_start = as_of - dt.timedelta(days=history_days)

    def at(age: dt.timedelta) -> dt.datetime:
        return (as_of - age).replace(microsecond=0)

    # ---- the clean background: a steady flow of orders over the history -------------------
    for _ in range(order_count):
        created = history_start + (as_of - history_start - 2 * HOUR) * rng.random()
        created = created.replace(microsecond=0)
        roll = rng.random()
        if roll < 0.05:
            outcome = "refused"
        elif roll < 0.06 and created <= as_of - 73 * HOUR:
            outcome = "auto_refused"
        elif roll < 0.08:
            outcome = "canceled"
        else:
            outcome = "ships"
        story = factory.live(factory.new_story(created), outcome=outcome)
        if outcome == "ships" and story.received_at and rng.random() < 0.12:
            factory.refund_cleanly(story, split=rng.random() < 0.25)
        stories.append(story)

    def inject(count: int, make: Callable[[int], None]) -> None:
        for index in range(count):
            make(index)

    n = max(2, round(order_count * 0.01))

    # ---- unacknowledged_order: waiting for acceptance past the hour ------------------------
    ages = [dt.timedelta(hours=h) for h in (1.5, 30, 52, 66, 70.5, 12, 45, 60)]

    def unacknowledged(index: int) -> None:
        story = factory.new_story(at(ages[index % len(ages)] + factory._minutes(1, 20)))
        stories.append(story)
        truth.add("unacknowledged_order", story.order_id)

    inject(n, unacknowledged)

    # ---- premature_erp_order: the ERP acted before Mirakl said the order is real -----------
    def premature(index: int) -> None:
        variant = index % 4
        if variant == 0:  # still waiting acceptance, fresh: only the ERP order is wrong
            story = factory.new_story(at(factory._minutes(15, 50)))
            story.erp_created_at = story.created_at + factory._minutes(1, 10)
        elif variant == 1:  # refused by the shop, ERP order left open
            story = factory.live(
                factory.new_story(at(dt.timedelta(days=rng.uniform(1, 20)))), outcome="refused"
            )
            story.erp_created_at = story.created_at + factory._minutes(1, 3)
        elif variant == 2:  # canceled by Mirakl (debit failed), ERP order left open
            story = factory.live(
                factory.new_story(at(dt.timedelta(days=rng.uniform(1, 20)))), outcome="canceled"
            )
            story.erp_created_at = story.accepted_at + factory._minutes(1, 10)
        else:  # accepted, debit pending, ERP already imported it
            story = factory.new_story(at(factory._minutes(40, 55)))
            story.accepted_at = story.created_at + factory._minutes(5, 15)
            story.erp_created_at = story.accepted_at + factory._minutes(1, 10)
        story.erp_order_id = f"SO{200_000 + story.number}"
        story.books_ledger = False
        stories.append(story)
        truth.add("premature_erp_order", story.order_id)

    inject(n, premature)

    # ---- order_missing_in_erp: paid and waiting to ship, the ERP never imported it ---------
    def missing_in_erp(index: int) -> None:
        story = factory.new_story(at(dt.timedelta(hours=rng.uniform(3, 20))))
        story.accepted_at = story.created_at + factory._minutes(3, 30)
        story.debited_at = story.accepted_at + factory._minutes(2, 20)
        if story.debited_at > as_of - 90 * MINUTE:
            story.debited_at = as_of - 90 * MINUTE
        story.books_ledger = False
        stories.append(story)
        truth.add("order_missing_in_erp", story.order_id)

    inject(n, missing_in_erp)

    # ---- fulfilled_not_shipped: the warehouse shipped, Mirakl never heard -------------------
    def shipping_story(shipped_age: dt.timedelta, carrier: str) -> OrderStory:
        shipped = at(shipped_age)
        debited = shipped - dt.timedelta(hours=rng.uniform(4, 30))
        story = factory.new_story(debited - factory._minutes(10, 60))
        story.accepted_at = story.created_at + factory._minutes(3, 8)
        story.debited_at = debited
        story.erp_order_id = f"SO{200_000 + story.number}"
        story.erp_created_at = debited + factory._minutes(5, 30)
        story.fulfilment = Fulfilment(
            fulfilment_id=f"IF{300_000 + story.number}",
            shipped_at=shipped,
            carrier=carrier,
            tracking_number=f"TRK{rng.randint(10**11, 10**12 - 1)}",
        )
        return story

    def not_shipped(index: int) -> None:
        story = shipping_story(dt.timedelta(hours=rng.uniform(2, 72)), rng.choice(CLEAN_CARRIERS))
        stories.append(story)
        truth.add("fulfilled_not_shipped", story.order_id)

    inject(max(2, round(order_count * 0.02)), not_shipped)

    # ---- carrier_code_unmapped: the ERP's carrier cannot be sent to Mirakl ------------------
    def unmapped_carrier(index: int) -> None:
        fresh = index % 2 == 0
        age = factory._minutes(10, 50) if fresh else dt.timedelta(hours=rng.uniform(2, 48))
        story = shipping_story(age, UNMAPPED_CARRIERS[index % len(UNMAPPED_CARRIERS)])
        stories.append(story)
        truth.add("carrier_code_unmapped", story.order_id)
        if not fresh:
            truth.add("fulfilled_not_shipped", story.order_id)

    inject(n, unmapped_carrier)

    # ---- order_amount_mismatch: the ERP order total is not what the customer paid -----------
    shipped_stories = [
        story
        for story in stories
        if story.erp_order_id
        and story.state_at(as_of) in ("SHIPPED", "RECEIVED", "CLOSED")
        and not story.erp_refunds
    ]
    rng.shuffle(shipped_stories)
    amount_drift = shipped_stories[:n]
    for story in amount_drift:
        delta = cents(rng.uniform(0.5, 25)) * rng.choice([1, -1])
        story.erp_total_override = story.total_price + delta
        truth.add("order_amount_mismatch", story.order_id)

    # ---- refund_not_mirrored: the ERP refunded, Mirakl was never told -----------------------
    refundable = [
        story
        for story in shipped_stories[n:]
        if story.received_at and story.received_at < as_of - 3 * HOUR
    ]
    refundable = [
        story
        for story in refundable
        if min(as_of - 2 * HOUR, story.closed_at - HOUR) > story.received_at + 2 * HOUR
    ]
    for index, story in enumerate(refundable[:n]):
        # Mirakl refuses refunds once an order is CLOSED, so the ERP refund comes before that.
        low = story.received_at + HOUR
        high = min(as_of - 2 * HOUR, story.closed_at - HOUR)
        erp_at = (low + (high - low) * rng.random()).replace(microsecond=0)
        line = story.lines[0]
        amount = line.price + line.shipping
        commission = line.total_commission
        if index % 2 == 1:
            # Partly mirrored: Mirakl got a smaller refund than the ERP booked.
            mirrored = cents(line.price / 2)
            fee = cents(mirrored * COMMISSION_RATE)
            story.mirakl_refunds.append(
                MiraklRefund(
                    refund_id=factory._next_refund_id(),
                    line_index=line.index,
                    amount=mirrored,
                    shipping_amount=Decimal(0),
                    commission_fee=fee,
                    commission_vat=cents(fee * COMMISSION_VAT_RATE),
                    created_at=erp_at + factory._minutes(5, 30),
                    reason_code=REFUND_REASONS[0],
                )
            )
        story.erp_refunds.append(
            ErpRefund(
                refund_id=f"CM{400_000 + story.number}-1",
                amount=amount,
                created_at=erp_at,
                reason=ERP_REFUND_REASONS[1],
                commission_refunded=commission,
            )
        )
        truth.add("refund_not_mirrored", story.order_id)

    # ---- look-alikes that must stay quiet ----------------------------------------------------

    waiting = factory.new_story(at(10 * MINUTE))
    stories.append(waiting)
    truth.lookalike("order waiting 10 minutes", "unacknowledged_order", waiting.order_id)

    fresh_fulfilment = shipping_story(10 * MINUTE, rng.choice(CLEAN_CARRIERS))
    stories.append(fresh_fulfilment)
    truth.lookalike("fulfilment 10 minutes old", "fulfilled_not_shipped", fresh_fulfilment.order_id)

    spelled = shipping_story(25 * MINUTE, rng.choice(LOOKALIKE_CARRIERS))
    stories.append(spelled)
    truth.lookalike("carrier spelled differently", "carrier_code_unmapped", spelled.order_id)

    shipped_unmapped = factory.live(factory.new_story(at(dt.timedelta(days=9))))
    shipped_unmapped.fulfilment.carrier = UNMAPPED_CARRIERS[0]
    shipped_unmapped.mirakl_carrier_code = None
    stories.append(shipped_unmapped)
    truth.lookalike(
        "unmapped carrier on an order already shipped",
        "carrier_code_unmapped",
        shipped_unmapped.order_id,
    )

    just_paid = factory.new_story(at(40 * MINUTE))
    just_paid.accepted_at = just_paid.created_at + 2 * MINUTE
    just_paid.debited_at = just_paid.accepted_at + 3 * MINUTE
    stories.append(just_paid)
    truth.lookalike(
        "paid 35 minutes ago, not yet in the ERP", "order_missing_in_erp", just_paid.order_id
    )

    cancelled_in_erp = factory.live(factory.new_story(at(dt.timedelta(days=3))), outcome="refused")
    cancelled_in_erp.erp_order_id = f"SO{200_000 + cancelled_in_erp.number}"
    cancelled_in_erp.erp_created_at = cancelled_in_erp.created_at + 2 * MINUTE
    cancelled_in_erp.erp_cancelled_at = cancelled_in_erp.refused_at + 5 * MINUTE
    cancelled_in_erp.erp_total_override = cancelled_in_erp.total_price + Decimal("7.00")
    cancelled_in_erp.books_ledger = False
    stories.append(cancelled_in_erp)
    truth.lookalike(
        "refused order cancelled in the ERP", "premature_erp_order", cancelled_in_erp.order_id
    )

    spare = [s for s in shipped_stories[n:] if s not in refundable[:n] and not s.erp_refunds]
    if len(spare) >= 2:
        spare[0].erp_total_override = spare[0].total_price + Decimal("0.01")
        truth.lookalike(
            "order total off by exactly 0.01", "order_amount_mismatch", spare[0].order_id
        )
        spare[1].erp_total_override = spare[1].total_price - Decimal("0.005")
        truth.lookalike(
            "order total off by half a cent", "order_amount_mismatch", spare[1].order_id
        )

    recent = [
        s
        for s in spare[2:]
        if s.received_at
        and s.received_at < as_of - 2 * HOUR
        and all(abs(as_of - 10 * MINUTE - p) > 2 * HOUR for p in payout_times)
    ]
    if recent:
        story = recent[0]
        line = story.lines[0]
        story.erp_refunds.append(
            ErpRefund(
                refund_id=f"CM{400_000 + story.number}-1",
                amount=line.price,
                created_at=at(10 * MINUTE),
                reason=ERP_REFUND_REASONS[0],
                commission_refunded=line.total_commission,
            )
        )
        truth.lookalike("ERP refund 10 minutes old", "refund_not_mirrored", story.order_id)

    split_candidates = [
        s
        for s in spare[3:]
        if len(s.lines) >= 2
        and not s.erp_refunds
        and s.received_at
        and s.closed_at
        and s.received_at < as_of - 6 * HOUR
    ]
    if split_candidates:
        factory.refund_cleanly(split_candidates[0], split=True)
        if split_candidates[0].mirakl_refunds:
            truth.lookalike(
                "refund mirrored with a different line split",
                "refund_not_mirrored",
                split_candidates[0].order_id,
            )

    # Freshness: an order paid a few hours ago keeps the order, ERP and ledger feeds current.
    steady = factory.new_story(at(dt.timedelta(hours=5)))
    factory.live(steady)
    stories.append(steady)

    stories.sort(key=lambda story: story.created_at)
    return stories
