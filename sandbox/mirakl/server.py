"""The Mirakl seller-API sandbox: one shop's world behind Mirakl's HTTP contract."""

from __future__ import annotations

import datetime as dt
import hmac
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sandbox import http
from sandbox.http import App, Handler, Request, RequestBudget, RequestLog, Response
from sandbox.jsonio import format_timestamp
from sandbox.mirakl import accounting, offers, order_export, orders, reference
from sandbox.mirakl.config import Context, SandboxConfig
from sandbox.mirakl.state import Item, MiraklState
from sandbox.world.layout import WorldLayout

API_PREFIX = "/api"


def _is_api(path: str) -> bool:
    return path == API_PREFIX or path.startswith(API_PREFIX + "/")


class MiraklSandbox(http.ServedSandbox):
    """A Mirakl instance on loopback serving one shop.

    The sandbox clock (`now()`) starts at the world's `as_of` and runs in real time, so anything
    the API writes lands just after the world's history.
    """

    def __init__(
        self,
        collections: Mapping[str, list[Item]],
        shop_id: int,
        as_of: dt.datetime,
        config: SandboxConfig | None = None,
    ) -> None:
        self._setup(MiraklState.from_collections(collections, shop_id=shop_id, as_of=as_of), config)

    @classmethod
    def from_world(cls, world_root: Path, config: SandboxConfig | None = None) -> MiraklSandbox:
        """Serve the world in `world_root` (world.json + mirakl/*.json)."""
        sandbox = cls.__new__(cls)
        sandbox._setup(MiraklState.from_world(WorldLayout(Path(world_root))), config)
        return sandbox

    def _setup(self, state: MiraklState, config: SandboxConfig | None) -> None:
        self.config = config or SandboxConfig()
        self.state = state
        self._started = time.monotonic()
        self._log = RequestLog(
            max_records=self.config.request_log_max_records, sink=self.config.request_log_path
        )
        context = Context(state=self.state, config=self.config, now=self.now)
        self._context = context
        router = http.Router()
        for module in (orders, order_export, offers, accounting, reference):
            module.register(router, context)
        budget = RequestBudget(
            self.config.request_budget,
            self.config.budget_window_seconds,
            retry_after_seconds=self.config.retry_after_seconds,
        )
        self.app = App(
            router,
            guards=[self._authenticate, self._api_only(budget), self._check_shop],
            faults=self.config.faults,
            log=self._log,
            redacted_headers=("Authorization",),
            clock=self.now,
            around_handler=self._locked,
        )

    def now(self) -> dt.datetime:
        return self.state.as_of + dt.timedelta(seconds=time.monotonic() - self._started)

    def touch_order(self, order_id: str, **changes: Any) -> Item:
        """Change top-level fields of an order as Mirakl would, bumping its last_updated_date."""
        with self.state.lock:
            order = self.state.orders[order_id]
            order.update(changes)
            order["last_updated_date"] = format_timestamp(self.now())
            return order

    # --- guards -------------------------------------------------------------------------------

    def _authenticate(self, request: Request) -> Response | None:
        if not _is_api(request.path):
            return None
        key = request.header("Authorization")
        if not key:
            return self.app.error_body(
                401, "Unauthorized: send the shop API key in the Authorization header"
            )
        expected = self.config.api_key
        if hmac.compare_digest(key.encode(), expected.encode()):
            return None
        if key.lower().startswith("bearer ") and hmac.compare_digest(
            key[7:].strip().encode(), expected.encode()
        ):
            return self.app.error_body(
                401,
                "Unauthorized: send the API key itself in the Authorization header, "
                "without a 'Bearer' prefix",
            )
        # Never echo the key that was sent.
        return self.app.error_body(401, "Unauthorized: the API key is not valid")

    @staticmethod
    def _api_only(guard: http.Guard) -> http.Guard:
        def guarded(request: Request) -> Response | None:
            return guard(request) if _is_api(request.path) else None

        return guarded

    def _check_shop(self, request: Request) -> Response | None:
        raw = request.arg("shop_id")
        if not _is_api(request.path) or raw is None or raw == "":
            return None
        if not raw.isdigit():
            return self.app.error_body(
                400, f"Invalid value for parameter 'shop_id': '{raw}' is not an integer"
            )
        if int(raw) != self.state.shop_id:
            return self.app.error_body(
                403, f"Access denied: this API key has no access to shop {raw}"
            )
        return None

    def _locked(self, handler: Handler, request: Request) -> Response:
        with self.state.lock:
            # What Mirakl does in the background meanwhile, settled before each request.
            offers.settle_stock_imports(self._context)
            return handler(request)
