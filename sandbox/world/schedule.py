"""Mirakl's billing calendar for the demo shop: cycles close on the 1st, 11th and 21st."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

CYCLE_DAYS = (1, 11, 21)
CYCLE_CREATED_AFTER = dt.timedelta(hours=2)
PAYOUT_AFTER = dt.timedelta(hours=30)


@dataclass(frozen=True)
class Cycle:
    cycle_id: str
    starts: dt.datetime  # exclusive
    ends: dt.datetime  # inclusive: lines created up to this instant belong here
    created_at: dt.datetime
    paid_at: dt.datetime

    def contains(self, moment: dt.datetime) -> bool:
        return self.starts < moment <= self.ends

    def is_paid(self, as_of: dt.datetime) -> bool:
        return self.paid_at <= as_of

    def payout_reference(self, shop_id: int) -> str:
        return f"MKP-PO-{self.ends:%Y%m%d}-{shop_id}"


def cycle_ends_between(start: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
    ends = []
    day = dt.datetime(start.year, start.month, 1, tzinfo=dt.UTC)
    while day <= end:
        if day.day in CYCLE_DAYS and start < day:
            ends.append(day)
        day += dt.timedelta(days=1)
    return ends


def billing_cycles(history_start: dt.datetime, as_of: dt.datetime, seed: int) -> list[Cycle]:
    """The cycles Mirakl has created by as_of (a cycle exists once created, paid or not)."""
    ends = cycle_ends_between(history_start, as_of)
    cycles = []
    previous = history_start - dt.timedelta(days=30)
    for end in ends:
        created = end + CYCLE_CREATED_AFTER
        if created > as_of:
            break
        cycle_id = str(
            uuid.uuid5(uuid.NAMESPACE_URL, f"mirakl-recon:cycle:{seed}:{end.isoformat()}")
        )
        cycles.append(Cycle(cycle_id, previous, end, created, end + PAYOUT_AFTER))
        previous = end
    return cycles


def payout_times(cycles: list[Cycle], as_of: dt.datetime) -> list[dt.datetime]:
    return [cycle.paid_at for cycle in cycles if cycle.paid_at <= as_of]
