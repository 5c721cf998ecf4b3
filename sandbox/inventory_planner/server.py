"""The Inventory Planner sandbox: one account's variants and purchase orders behind its API.

The contract it speaks (shared/reference/erp-apis.md §5):

- every call carries ``Authorization: <API key>`` (the raw key, no scheme) and
  ``Account: <account id>``; a wrong or missing key is a 401, another account a 403;
- resources live under ``/api/v1`` only: any other path, or a request without a User-Agent,
  is refused by the CDN in front of the API with an HTML 403, as the public clients report;
- collections page with ``page``/``limit`` and a ``meta`` object (see ``listing``);
- single reads wrap the object under its singular name (``{"variant": {...}}``);
- errors are ``{"result": {"status": "error", "message": ...}}``;
- variants cannot be written through the API (the CSV integration does that).

Inventory Planner publishes no rate limit; a budget can be configured to exercise clients.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sandbox import http
from sandbox.http import (
    App,
    FaultPlan,
    HTTPError,
    Request,
    RequestBudget,
    RequestLog,
    Response,
    json_response,
    text_response,
)
from sandbox.inventory_planner import listing
from sandbox.inventory_planner.world import PlanningView, planning_view

API_PREFIX = "/api/v1"
CDN_REFUSAL = (
    "<!DOCTYPE html><html><head><title>Access denied</title></head><body>"
    "<h1>Access denied</h1><p>The request was blocked by the site's security service.</p>"
    "</body></html>"
)


@dataclass(frozen=True)
class SandboxConfig:
    # The only key accepted, sent raw in the Authorization header.
    api_key: str = "sandbox-inventory-planner-key"
    # The account the key belongs to, sent in the Account header.
    account_id: str = "sandbox-account"
    # Items per page when `limit` is not given, and the largest `limit` accepted.
    default_limit: int = 100
    max_limit: int = 1000
    # Requests allowed per window before 429 + Retry-After; None (the default) is unlimited,
    # since Inventory Planner documents no limit.
    request_budget: int | None = None
    budget_window_seconds: float = 60.0
    retry_after_seconds: int = 1
    faults: FaultPlan = field(default_factory=FaultPlan)
    request_log_path: Path | None = None
    request_log_max_records: int | None = None


def error_body(status: int, message: str) -> Response:
    """Inventory Planner's error shape: clients treat a `result` object as failure."""
    return json_response({"result": {"status": "error", "message": message}}, status)


class InventoryPlannerSandbox(http.ServedSandbox):
    """Inventory Planner on loopback, serving one account's planning view of a demo world."""

    def __init__(self, view: PlanningView, config: SandboxConfig | None = None) -> None:
        self.view = view
        self.config = config or SandboxConfig()
        self._variants = {variant["id"]: variant for variant in view.variants}
        self._orders = {order["id"]: order for order in view.purchase_orders}
        self._log = RequestLog(
            max_records=self.config.request_log_max_records, sink=self.config.request_log_path
        )
        router = http.Router()
        router.add("GET", f"{API_PREFIX}/variants", self._list_variants)
        router.add("POST", f"{API_PREFIX}/variants", self._refuse_variant_writes)
        router.add("GET", f"{API_PREFIX}/variants/{{variant_id}}", self._get_variant)
        router.add("PUT", f"{API_PREFIX}/variants/{{variant_id}}", self._refuse_variant_writes)
        router.add("GET", f"{API_PREFIX}/purchase-orders", self._list_orders)
        router.add("GET", f"{API_PREFIX}/purchase-orders/{{order_id}}", self._get_order)
        router.add("GET", f"{API_PREFIX}/purchase-orders/{{order_id}}/items", self._list_items)
        budget = RequestBudget(
            self.config.request_budget,
            self.config.budget_window_seconds,
            retry_after_seconds=self.config.retry_after_seconds,
            error_body=error_body,
        )
        self.app = App(
            router,
            guards=[self._cdn, self._authenticate, budget],
            faults=self.config.faults,
            log=self._log,
            error_body=error_body,
            redacted_headers=("Authorization", "Account"),
        )

    @classmethod
    def from_world(
        cls, world_dir: Path, config: SandboxConfig | None = None
    ) -> InventoryPlannerSandbox:
        """Serve Inventory Planner's view of the demo world in `world_dir`."""
        return cls(planning_view(Path(world_dir)), config)

    # --- guards ---------------------------------------------------------------------------------

    def _cdn(self, request: Request) -> Response | None:
        inside = request.path == API_PREFIX or request.path.startswith(API_PREFIX + "/")
        if inside and (request.header("User-Agent") or "").strip():
            return None
        return text_response(CDN_REFUSAL, 403, content_type="text/html; charset=utf-8")

    def _authenticate(self, request: Request) -> Response | None:
        key = (request.header("Authorization") or "").strip()
        if not key:
            return error_body(401, "Authorization header with your API key is required")
        expected = self.config.api_key
        if not hmac.compare_digest(key.encode(), expected.encode()):
            scheme, _, rest = key.partition(" ")
            if rest and hmac.compare_digest(rest.strip().encode(), expected.encode()):
                return error_body(
                    401,
                    f"Send the API key itself in the Authorization header, without {scheme!r}",
                )
            # Never echo what was sent.
            return error_body(401, "Invalid API key")
        account = (request.header("Account") or "").strip()
        if not account:
            return error_body(401, "Account header with your account id is required")
        if not hmac.compare_digest(account.encode(), self.config.account_id.encode()):
            return error_body(403, "The API key has no access to this account")
        return None

    # --- handlers -------------------------------------------------------------------------------

    def _collection(self, request: Request, name: str, items: list[dict[str, Any]]) -> Response:
        chosen = listing.filtered_sorted(request, items)
        page, meta = listing.page_of(
            request,
            chosen,
            default_limit=self.config.default_limit,
            max_limit=self.config.max_limit,
        )
        return json_response({name: page, "meta": meta})

    def _list_variants(self, request: Request) -> Response:
        return self._collection(request, "variants", list(self._variants.values()))

    def _get_variant(self, request: Request) -> Response:
        variant = self._variants.get(request.path_params["variant_id"])
        if variant is None:
            raise HTTPError(404, f"Variant {request.path_params['variant_id']} not found")
        return json_response({"variant": listing.select_fields(variant, request)})

    def _refuse_variant_writes(self, request: Request) -> Response:
        raise HTTPError(
            405, "Products and variants cannot be written through the API; use a CSV integration"
        )

    def _list_orders(self, request: Request) -> Response:
        return self._collection(request, "purchase-orders", list(self._orders.values()))

    def _order(self, request: Request) -> dict[str, Any]:
        order = self._orders.get(request.path_params["order_id"])
        if order is None:
            raise HTTPError(404, f"Purchase order {request.path_params['order_id']} not found")
        return order

    def _get_order(self, request: Request) -> Response:
        return json_response(
            {"purchase-order": listing.select_fields(self._order(request), request)}
        )

    def _list_items(self, request: Request) -> Response:
        return self._collection(request, "items", list(self._order(request)["items"]))
