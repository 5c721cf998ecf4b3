"""The Magento 2 / Adobe Commerce REST sandbox: one store's world behind Magento's contract.

Endpoints (under ``/rest/V1`` or ``/rest/<store_code>/V1``, store codes ``default`` and
``all``), each guarded by its ACL resource as in Magento's ``webapi.xml``:

| endpoint | resource |
|---|---|
| ``POST /V1/integration/admin/token`` | anonymous |
| ``GET /V1/products``, ``/V1/products/{sku}`` | ``Magento_Catalog::products`` |
| ``GET /V1/inventory/source-items`` | ``Magento_InventoryApi::source`` |
| ``GET …/get-product-salable-quantity/{sku}/{stockId}`` | ``Magento_InventorySalesApi::stock`` |
| ``GET /V1/orders``, ``/V1/orders/{id}`` | ``Magento_Sales::sales`` |
| ``GET /V1/shipments``, ``/V1/shipment/{id}`` | ``Magento_Sales::sales`` |
| ``GET /V1/creditmemos``, ``/V1/creditmemo/{id}`` | ``Magento_Sales::sales`` |

A request without a valid token is answered 401 with the resource it needed, as Magento
does: ``{"message": "The consumer isn't authorized to access %resources.", "parameters":
{"resources": "Magento_Sales::sales"}}``. Magento has no general REST rate limit (the 2.4.7
limiter covers checkout endpoints only), so there is no request budget; faults (500/503, slow
answers, dropped connections) are injected through ``SandboxConfig.faults``.
"""

from __future__ import annotations

import datetime as dt
import hmac
import json
import secrets
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sandbox import http
from sandbox.http import App, Request, RequestLog, Response, json_response
from sandbox.magento.config import SandboxConfig
from sandbox.magento.errors import (
    ENTITY_NOT_FOUND,
    NO_SOURCE_ITEMS,
    NO_SUCH_ENTITY,
    NOT_AUTHORIZED,
    PRODUCT_NOT_FOUND,
    SIGN_IN_INCORRECT,
    SKUS_NOT_FOUND,
    STORE_NOT_FOUND,
    MagentoHTTPError,
    error_body,
    error_response,
    internal_error,
)
from sandbox.magento.search import UnknownField, parse_search_criteria, search
from sandbox.magento.state import MagentoState, Record

REST_PREFIX = "/rest"
STORE_CODES = ("default", "all")

CATALOG = "Magento_Catalog::products"
SOURCES = "Magento_InventoryApi::source"
SALABLE = "Magento_InventorySalesApi::stock"
SALES = "Magento_Sales::sales"

Handler = Callable[[Request], Response]


def _scalar_fields(records: list[Record], *extra: str) -> frozenset[str]:
    names = {
        key
        for record in records
        for key, value in record.items()
        if not isinstance(value, dict | list)
    }
    return frozenset(names | set(extra))


class _MagentoApp(App):
    """Keeps the admin password out of the request log: the token request's body is dropped."""

    def record(self, request: Request, status: int | None, fault: str | None) -> None:
        if request.path.endswith("/integration/admin/token"):
            request = Request(
                request.method,
                request.path,
                request.query,
                request.headers,
                b"",
                request.base_url,
                request.path_params,
            )
        super().record(request, status, fault)


class MagentoSandbox(http.ServedSandbox):
    """A Magento store on loopback serving one world's ERP side.

    The sandbox clock (`now()`) starts at the world's `as_of` and runs in real time, so what
    changes during a test lands just after the world's history.
    """

    def __init__(self, state: MagentoState, config: SandboxConfig | None = None) -> None:
        self.config = config or SandboxConfig()
        self.state = state
        self._started = time.monotonic()
        # Admin token -> monotonic expiry.
        self._admin_tokens: dict[str, float] = {}
        self._log = RequestLog(
            max_records=self.config.request_log_max_records, sink=self.config.request_log_path
        )
        router = http.Router()
        self._register(router)
        self.app = _MagentoApp(
            router,
            faults=self.config.faults,
            log=self._log,
            error_body=error_body,
            redacted_headers=("Authorization",),
            clock=self.now,
            around_handler=self._locked,
        )

    @classmethod
    def from_world(cls, world_dir: Path, config: SandboxConfig | None = None) -> MagentoSandbox:
        """Serve the ERP side of the world in `world_dir` (world.json + erp/*.csv)."""
        config = config or SandboxConfig()
        return cls(MagentoState.from_world(Path(world_dir), stock_id=config.stock_id), config)

    def now(self) -> dt.datetime:
        return self.state.as_of + dt.timedelta(seconds=time.monotonic() - self._started)

    def expire_admin_tokens(self) -> None:
        """Let every admin token issued so far expire, as four hours of waiting would."""
        self._admin_tokens = dict.fromkeys(self._admin_tokens, 0.0)

    # --- routing ------------------------------------------------------------------------------

    def _register(self, router: http.Router) -> None:
        routes: list[tuple[str, str, str | None, Handler]] = [
            ("POST", "/V1/integration/admin/token", None, self._admin_token),
            ("GET", "/V1/products", CATALOG, self._products),
            ("GET", "/V1/products/{sku}", CATALOG, self._product),
            ("GET", "/V1/inventory/source-items", SOURCES, self._source_items),
            (
                "GET",
                "/V1/inventory/get-product-salable-quantity/{sku}/{stock_id}",
                SALABLE,
                self._salable_quantity,
            ),
            ("GET", "/V1/orders", SALES, self._orders),
            ("GET", "/V1/orders/{entity_id}", SALES, self._order),
            ("GET", "/V1/shipments", SALES, self._shipments),
            ("GET", "/V1/shipment/{entity_id}", SALES, self._shipment),
            ("GET", "/V1/creditmemos", SALES, self._credit_memos),
            ("GET", "/V1/creditmemo/{entity_id}", SALES, self._credit_memo),
        ]
        for method, path, resource, handler in routes:
            wrapped = self._guarded(resource, handler)
            router.add(method, REST_PREFIX + path, wrapped)
            router.add(method, REST_PREFIX + "/{store_code}" + path, wrapped)

    def _guarded(self, resource: str | None, handler: Handler) -> Handler:
        def guarded(request: Request) -> Response:
            try:
                store = request.path_params.pop("store_code", None)
                if store is not None and store not in STORE_CODES:
                    raise MagentoHTTPError(400, STORE_NOT_FOUND)
                if resource is not None and not self._authorized(request):
                    raise MagentoHTTPError(401, NOT_AUTHORIZED, {"resources": resource})
                return handler(request)
            except MagentoHTTPError as error:
                return error_response(error.status, error.message, error.parameters)
            except UnknownField:
                # Magento's database layer fails on an unknown column; production mode
                # hides the SQL error behind a report id.
                return internal_error()

        return guarded

    def _authorized(self, request: Request) -> bool:
        header = request.header("Authorization") or ""
        scheme, _, token = header.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            return False
        integration = self.config.access_token
        if (
            integration
            and self.config.integration_token_as_bearer
            and hmac.compare_digest(token.encode(), integration.encode())
        ):
            return True
        expiry = self._admin_tokens.get(token)
        return expiry is not None and time.monotonic() < expiry

    def _locked(self, handler: Handler, request: Request) -> Response:
        with self.state.lock:
            return handler(request)

    # --- auth ---------------------------------------------------------------------------------

    def _admin_token(self, request: Request) -> Response:
        try:
            body = json.loads(request.body or b"null")
        except ValueError:
            body = None
        username = body.get("username") if isinstance(body, dict) else None
        password = body.get("password") if isinstance(body, dict) else None
        expected_user, expected_password = self.config.admin_username, self.config.admin_password
        if (
            not expected_user
            or not expected_password
            or not isinstance(username, str)
            or not isinstance(password, str)
            or not hmac.compare_digest(username.encode(), expected_user.encode())
            or not hmac.compare_digest(password.encode(), expected_password.encode())
        ):
            raise MagentoHTTPError(401, SIGN_IN_INCORRECT)
        token = secrets.token_hex(16)
        self._admin_tokens[token] = time.monotonic() + self.config.admin_token_lifetime_seconds
        # The token is the whole body: a JSON string.
        return json_response(token)

    # --- lists --------------------------------------------------------------------------------

    def _list(self, request: Request, records: list[Record], **lookup: Any) -> Response:
        criteria = parse_search_criteria(request.query, self.config)
        fields = _scalar_fields(records, *lookup.pop("extra_fields", ()))
        body = search(
            records,
            criteria,
            fields,
            repeat_last_page_past_end=self.config.repeat_last_page_past_end,
            **lookup,
        )
        return json_response(body)

    def _products(self, request: Request) -> Response:
        products = sorted(self.state.products.values(), key=lambda product: product["id"])
        codes = {
            attribute["attribute_code"]
            for product in products
            for attribute in product.get("custom_attributes", [])
        }
        # The product collection filters and sorts on entity_id, which products answer as id.
        fields = codes | {"entity_id"}
        return self._list(request, products, lookup=_product_field, extra_fields=fields)

    def _source_items(self, request: Request) -> Response:
        items = list(self.state.source_items.values())
        return self._list(request, items, extra_fields=("sku", "source_code", "quantity", "status"))

    def _orders(self, request: Request) -> Response:
        return self._list(request, _by_entity_id(self.state.orders))

    def _shipments(self, request: Request) -> Response:
        return self._list(request, _by_entity_id(self.state.shipments))

    def _credit_memos(self, request: Request) -> Response:
        return self._list(request, _by_entity_id(self.state.credit_memos))

    # --- single records -----------------------------------------------------------------------

    def _product(self, request: Request) -> Response:
        product = self.state.products.get(request.path_params["sku"])
        if product is None:
            raise MagentoHTTPError(404, PRODUCT_NOT_FOUND)
        return json_response(product)

    def _order(self, request: Request) -> Response:
        return json_response(_entity(self.state.orders, request.path_params["entity_id"]))

    def _shipment(self, request: Request) -> Response:
        return json_response(_entity(self.state.shipments, request.path_params["entity_id"]))

    def _credit_memo(self, request: Request) -> Response:
        return json_response(_entity(self.state.credit_memos, request.path_params["entity_id"]))

    def _salable_quantity(self, request: Request) -> Response:
        sku, stock_id = request.path_params["sku"], request.path_params["stock_id"]
        if not stock_id.isdigit() or int(stock_id) != self.state.stock_id:
            raise MagentoHTTPError(
                404, NO_SUCH_ENTITY, {"fieldName": "stock_id", "fieldValue": stock_id}
            )
        product = self.state.products.get(sku)
        if product is None:
            raise MagentoHTTPError(400, SKUS_NOT_FOUND, {"skus": sku})
        if product.get("type_id") not in ("simple", "virtual", "downloadable"):
            raise MagentoHTTPError(400, NO_SOURCE_ITEMS)
        # The answer is a bare JSON number.
        return json_response(self.state.salable_quantity(sku))


def _by_entity_id(records: dict[int, Record]) -> list[Record]:
    return [records[key] for key in sorted(records)]


def _entity(records: dict[int, Record], raw_id: str) -> Record:
    record = records.get(int(raw_id)) if raw_id.isdigit() else None
    if record is None:
        raise MagentoHTTPError(404, ENTITY_NOT_FOUND)
    return record


def _product_field(product: Record, name: str) -> Any:
    if name == "entity_id":
        return product["id"]
    if name in product:
        return product[name]
    for attribute in product.get("custom_attributes", []):
        if attribute.get("attribute_code") == name:
            return attribute.get("value")
    return None
