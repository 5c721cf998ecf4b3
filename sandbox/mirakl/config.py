"""How a Mirakl sandbox behaves, and what its handlers share."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sandbox.http import FaultPlan
from sandbox.mirakl.state import MiraklState


@dataclass(frozen=True)
class SandboxConfig:
    # The only key accepted in the Authorization header, sent raw (no "Bearer").
    api_key: str = "sandbox-shop-key"
    # Requests allowed per window before 429; None means unlimited.
    request_budget: int | None = None
    budget_window_seconds: float = 60.0
    # The Retry-After value sent with 429.
    retry_after_seconds: int = 1
    # Mirakl subtracts a delta from OR11 start_update_date so that clients see overlap.
    update_overlap_seconds: float = 300
    faults: FaultPlan = field(default_factory=FaultPlan)
    # After OR21 accept, the operator's debit goes through at once: the order moves on to
    # SHIPPING with customer_debited_date set. False leaves it in WAITING_DEBIT_PAYMENT.
    auto_debit_on_accept: bool = True
    # STO02 answers WAITING/RUNNING this many times before COMPLETE.
    stock_import_polls_until_complete: int = 2
    # Mirakl runs a stock import in the background whether or not anyone polls STO02: this
    # many seconds after STO01 it completes anyway. None completes imports on polls only.
    stock_import_seconds_until_complete: float | None = 60.0
    # OR14 answers PENDING this many times before COMPLETED.
    export_polls_until_complete: int = 1
    # Smallest items_per_chunk OR13 accepts (Mirakl: 10,000); lower it to see chunking on a
    # small world.
    export_items_per_chunk_minimum: int = 10_000
    # Mirror of the request log as JSON lines; None keeps it in memory only.
    request_log_path: Path | None = None
    # Cap on the in-memory request log (oldest records go first); None keeps everything.
    request_log_max_records: int | None = None


@dataclass(frozen=True)
class Context:
    """What every handler works with."""

    state: MiraklState
    config: SandboxConfig
    now: Callable[[], dt.datetime]
