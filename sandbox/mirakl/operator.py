"""A Mirakl instance as its operator sees it: every shop's offers, read through OF52/OF53/OF54.

The operator's API key goes raw in the `Authorization` header, as a shop key does; a missing or
other key is a 401. The seller sandbox (`server.py`) is untouched: this is another user of the
same platform, with its own view. Its clock starts at the world's `as_of`.
"""

from __future__ import annotations

import datetime as dt
import hmac
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sandbox import http
from sandbox.http import (
    App,
    FaultPlan,
    Handler,
    Request,
    RequestBudget,
    RequestLog,
    Response,
)
from sandbox.jsonio import format_timestamp
from sandbox.mirakl import offer_export
from sandbox.world.operator import OperatorLayout


@dataclass(frozen=True)
class OperatorConfig:
    # The only key accepted in the Authorization header, sent raw.
    api_key: str = "sandbox-operator-key"
    # OF53 answers PENDING this many times before COMPLETED.
    export_polls_until_complete: int = 1
    # Smallest items_per_chunk OF52 accepts (Mirakl: 10,000; lower on TEST/DEV instances).
    export_items_per_chunk_minimum: int = 10_000
    request_budget: int | None = None
    budget_window_seconds: float = 60.0
    retry_after_seconds: int = 1
    faults: FaultPlan = field(default_factory=FaultPlan)


class MiraklOperatorSandbox(http.ServedSandbox):
    def __init__(
        self,
        offers: list[dict[str, Any]],
        as_of: dt.datetime,
        config: OperatorConfig | None = None,
    ) -> None:
        self.config = config or OperatorConfig()
        self.as_of = as_of
        self._started = time.monotonic()
        self.lock = threading.RLock()
        self.offers = {int(offer["offer_id"]): dict(offer) for offer in offers}
        self._log = RequestLog()
        router = http.Router()
        self.exports = offer_export.ExportContext(
            offers=self.offers,
            now=self.now,
            lock=self.lock,
            polls_until_complete=self.config.export_polls_until_complete,
            items_per_chunk_minimum=self.config.export_items_per_chunk_minimum,
        )
        offer_export.register(router, self.exports)
        budget = RequestBudget(
            self.config.request_budget,
            self.config.budget_window_seconds,
            retry_after_seconds=self.config.retry_after_seconds,
        )
        self.app = App(
            router,
            guards=[self._authenticate, budget],
            faults=self.config.faults,
            log=self._log,
            redacted_headers=("Authorization",),
            clock=self.now,
            around_handler=self._locked,
        )

    @classmethod
    def from_world(
        cls, world_dir: Path, config: OperatorConfig | None = None
    ) -> MiraklOperatorSandbox:
        layout = OperatorLayout(Path(world_dir))
        return cls(layout.offers(), layout.manifest()["as_of"], config)

    def now(self) -> dt.datetime:
        return self.as_of + dt.timedelta(seconds=time.monotonic() - self._started)

    def update_offer(self, offer_id: int, **changes: Any) -> dict[str, Any]:
        """Change an offer as its shop would (quantity, active...), bumping last_updated."""
        with self.lock:
            offer = self.offers[offer_id]
            offer.update(changes)
            offer["last_updated"] = format_timestamp(self.now())
            return offer

    def delete_offer(self, offer_id: int) -> None:
        self.update_offer(offer_id, deleted=True, active=False)

    def _authenticate(self, request: Request) -> Response | None:
        key = request.header("Authorization")
        if not key:
            return self.app.error_body(
                401, "Unauthorized: send the operator API key in the Authorization header"
            )
        if not hmac.compare_digest(key.encode(), self.config.api_key.encode()):
            return self.app.error_body(401, "Unauthorized: the API key is not valid")
        return None

    def _locked(self, handler: Handler, request: Request) -> Response:
        with self.lock:
            return handler(request)
