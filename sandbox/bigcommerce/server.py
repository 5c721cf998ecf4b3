"""The BigCommerce sandbox: one store behind BigCommerce's V2 and V3 REST contract.

Every request goes through, in order: the faults hook (seeded 500/503, slow answers, dropped
connections), the `X-Auth-Token` check (401), the `Accept` check (406 for a client that will
not take JSON), routing (404/405 in the error body of the path's API version), then the
store's request quota (429 once spent). Answers to counted requests carry the
`X-Rate-Limit-*` headers. The token is never echoed and is redacted in the request log.
"""

from __future__ import annotations

import datetime as dt
import hmac
import time
from pathlib import Path

from sandbox import http
from sandbox.bigcommerce import v2, v3, writes
from sandbox.bigcommerce.config import BigCommerceConfig
from sandbox.bigcommerce.errors import error_for, render, v3_error
from sandbox.bigcommerce.ratelimit import QuotaWindow
from sandbox.bigcommerce.store import Store
from sandbox.bigcommerce.storefront import store_from_storefront
from sandbox.bigcommerce.world import store_from_world
from sandbox.http import App, Handler, HTTPError, Request, RequestLog, Response
from sandbox.world.operator import OperatorLayout

TOKEN_HEADER = "X-Auth-Token"


class BigCommerceSandbox(http.ServedSandbox):
    """A BigCommerce store on loopback; its API lives under `/stores/{store_hash}/v2|v3`.

    The sandbox clock (`now()`) starts at the store's `as_of` and runs in real time, so
    writes land just after the world's history.
    """

    def __init__(self, store: Store, config: BigCommerceConfig | None = None) -> None:
        self.config = config or BigCommerceConfig(store_hash=store.store_hash)
        if self.config.store_hash != store.store_hash:
            raise ValueError("the config's store_hash must be the store's")
        self.store = store
        self._started = time.monotonic()
        self.quota = (
            QuotaWindow(self.config.requests_quota, self.config.window_ms)
            if self.config.requests_quota is not None
            else None
        )
        self._log = RequestLog(
            max_records=self.config.request_log_max_records, sink=self.config.request_log_path
        )
        self.router = http.Router()
        v2.register(self.router, store)
        v3.register(self.router, store)
        writes.register(self.router, store, self.now)
        self.app = App(
            self.router,
            guards=[self._authenticate, self._accept_json, self._route_exists],
            faults=self.config.faults,
            log=self._log,
            error_body=lambda status, message: v3_error(status, message),
            redacted_headers=(TOKEN_HEADER, "Authorization"),
            clock=self.now,
            around_handler=self._metered,
        )

    @classmethod
    def from_world(
        cls, world_dir: Path, config: BigCommerceConfig | None = None
    ) -> BigCommerceSandbox:
        """Serve a demo world's ERP side (see `sandbox/bigcommerce/world.py`)."""
        config = config or BigCommerceConfig()
        return cls(store_from_world(world_dir, config.store_hash), config)

    @classmethod
    def from_storefront(
        cls, world_dir: Path, config: BigCommerceConfig | None = None
    ) -> BigCommerceSandbox:
        """Serve an operator world's marketplace storefront (see `storefront.py`)."""
        config = config or BigCommerceConfig()
        return cls(
            store_from_storefront(OperatorLayout(Path(world_dir)), config.store_hash), config
        )

    def now(self) -> dt.datetime:
        return self.store.as_of + dt.timedelta(seconds=time.monotonic() - self._started)

    # --- guards -------------------------------------------------------------------------------

    def _authenticate(self, request: Request) -> Response | None:
        token = request.header(TOKEN_HEADER)
        if not token:
            hint = (
                " (BigCommerce reads the token from X-Auth-Token, not from Authorization)"
                if request.header("Authorization")
                else ""
            )
            return error_for(
                request.path, 401, f"Missing X-Auth-Token: send the API account token{hint}"
            )
        if not hmac.compare_digest(token.encode(), self.config.access_token.encode()):
            return error_for(request.path, 401, "The X-Auth-Token is not valid for this store")
        return None

    def _accept_json(self, request: Request) -> Response | None:
        accept = (request.header("Accept") or "*/*").lower()
        if "json" in accept or "*/*" in accept or "application/*" in accept:
            return None
        return error_for(request.path, 406, f"Cannot answer in {accept}: use application/json")

    def _route_exists(self, request: Request) -> Response | None:
        # Routing errors in the body of the path's API version, which App cannot know.
        try:
            self.router.resolve(request.method, request.path)
        except HTTPError as error:
            message = (
                "The requested resource was not found." if error.status == 404 else error.message
            )
            response = error_for(request.path, error.status, message)
            response.headers.extend(error.headers)
            return response
        return None

    def _metered(self, handler: Handler, request: Request) -> Response:
        allowance = self.quota.take() if self.quota is not None else None
        if allowance is not None and not allowance.allowed:
            response = error_for(
                request.path,
                429,
                f"Too many requests: the store's quota of {allowance.quota} requests per "
                f"{allowance.window_ms} ms is spent",
            )
        else:
            with self.store.lock:
                try:
                    response = handler(request)
                except HTTPError as error:
                    response = render(request.path, error)
        if allowance is not None:
            response.headers.extend(allowance.headers())
        return response
