"""The Business Central sandbox: one company of a demo world behind BC's API v2.0 contract.

Paths, as on ``https://api.businesscentral.dynamics.com``:

- ``GET /v2.0/<tenant>/<environment>/api/v2.0/companies``
- ``GET /v2.0/<tenant>/<environment>/api/v2.0/companies(<id>)/<entitySet>``
- ``GET /v2.0/<tenant>/<environment>/api/<publisher>/<group>/<version>/companies(<id>)/<entitySet>``
  (the custom API pages of a marketplace extension)

and the Entra token endpoint ``POST /<tenant>/oauth2/v2.0/token`` on the same server. API calls
need a live bearer token; they count against a request budget (429 + Retry-After beyond it)
and may meet seeded faults. Every answer is OData v4 JSON; every error the OData envelope.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode

from sandbox import http
from sandbox.business_central import odata
from sandbox.business_central.auth import TOKEN_PATH, TokenIssuer
from sandbox.business_central.config import SandboxConfig
from sandbox.business_central.entities import COMPANIES, STANDARD_SETS, EntitySet, custom_sets
from sandbox.business_central.odata import ODataError
from sandbox.business_central.world import Books
from sandbox.http import App, Handler, Request, RequestBudget, RequestLog, Response
from sandbox.world.erp_records import ErpRecords, read_erp_records
from sandbox.world.layout import WorldLayout

API_ROOT = "/v2.0/"
_COMPANY_SEGMENT = re.compile(r"^companies\((?P<id>[^)]*)\)$")
_KEYED_SEGMENT = re.compile(r"^(?P<name>\w+)\((?P<key>[^)]*)\)$")


class BusinessCentralState:
    """The company's entity sets, each a list in primary-key order, and a version per record."""

    def __init__(self, company: dict[str, Any], sets: dict[str, list[dict[str, Any]]]):
        self.company = company
        self.sets = sets
        self.lock = threading.RLock()
        self.versions: dict[tuple[str, str], int] = {}

    def version(self, entity_set: str, record: dict[str, Any]) -> int:
        return self.versions.get((entity_set, str(record.get("id"))), 1)

    def find(self, entity_set: str, **match: Any) -> dict[str, Any]:
        for record in self.sets[entity_set]:
            if all(record.get(name) == value for name, value in match.items()):
                return record
        raise KeyError(f"no {entity_set} record with {match}")


class _RedactingApp(App):
    """The request log keeps the token endpoint's form, without the client secret."""

    def record(self, request: Request, status: int | None, fault: str | None) -> None:
        if request.body and b"client_secret" in request.body:
            form = parse_qs(request.body.decode("utf-8", "replace"), keep_blank_values=True)
            form = {
                key: [http.REDACTED] if key == "client_secret" else values
                for key, values in form.items()
            }
            request = dataclasses.replace(request, body=urlencode(form, doseq=True).encode())
        super().record(request, status, fault)


class BusinessCentralSandbox(http.ServedSandbox):
    """A Business Central environment on loopback serving one company.

    The sandbox clock (`now()`) starts at the world's `as_of` and runs in real time, so a record
    changed with `touch()` is modified just after the world's history.
    """

    def __init__(
        self,
        records: ErpRecords,
        *,
        company_name: str,
        currency: str,
        as_of: dt.datetime,
        config: SandboxConfig | None = None,
    ) -> None:
        self.config = config or SandboxConfig()
        self.as_of = as_of
        self._started = time.monotonic()
        books = Books(
            records, company_name=company_name, currency=currency, time_zone=self.config.time_zone
        )
        custom = self.config.custom_api
        self.custom_sets = custom_sets(
            custom.shipment_trackings, custom.item_location_stocks, custom.marketplace_items
        )
        sets = {
            "companyInformation": books.company_information(),
            "items": books.items(),
            "accounts": books.accounts(),
            "customerReturnReasons": books.customer_return_reasons(),
            "salesOrders": books.sales_orders(),
            "salesInvoices": books.sales_invoices(),
            "salesShipments": books.sales_shipments(),
            "salesCreditMemos": books.sales_credit_memos(),
            "generalLedgerEntries": books.general_ledger_entries(),
            custom.shipment_trackings: books.shipment_trackings(),
            custom.item_location_stocks: books.item_location_stocks(),
            custom.marketplace_items: books.marketplace_items(),
        }
        self.state = BusinessCentralState(books.company(), sets)
        for name, rows in sets.items():
            rows.sort(key=odata.sort_key(self._entity(name)))
        self.tokens = TokenIssuer(self.config)
        self._log = RequestLog(
            max_records=self.config.request_log_max_records, sink=self.config.request_log_path
        )
        self.budget = RequestBudget(
            self.config.request_budget,
            self.config.budget_window_seconds,
            retry_after_seconds=self.config.retry_after_seconds or 1,
            error_body=odata.envelope,
        )
        router = http.Router()
        router.add("POST", TOKEN_PATH, self.tokens.token)
        api = "/v2.0/{tenant}/{environment}/api"
        router.add("GET", api + "/v2.0/companies", self._companies)
        router.add("GET", api + "/v2.0/{company}/{entity_set}", self._standard)
        router.add(
            "GET", api + "/{publisher}/{group}/{version}/{company}/{entity_set}", self._custom
        )
        self.app = _RedactingApp(
            router,
            guards=[self._authenticate, self._limit],
            faults=self.config.faults,
            log=self._log,
            error_body=odata.envelope,
            redacted_headers=("Authorization",),
            clock=self.now,
            around_handler=self._locked,
        )

    @classmethod
    def from_world(
        cls, world_root: Path, config: SandboxConfig | None = None
    ) -> BusinessCentralSandbox:
        """Serve the ERP side of the world in `world_root` as one BC company."""
        layout = WorldLayout(Path(world_root))
        manifest = layout.read_manifest()
        return cls(
            read_erp_records(layout.root),
            company_name=manifest.shop_name,
            currency=manifest.currency,
            as_of=manifest.as_of,
            config=config,
        )

    # --- running ------------------------------------------------------------------------------

    def now(self) -> dt.datetime:
        return self.as_of + dt.timedelta(seconds=time.monotonic() - self._started)

    @property
    def company_id(self) -> str:
        return self.state.company["id"]

    @property
    def company_name(self) -> str:
        return self.state.company["name"]

    def api_url(self, base_url: str) -> str:
        """The company's API root: `<base>/v2.0/<tenant>/<env>/api/v2.0/companies(<id>)`."""
        return (
            f"{base_url}/v2.0/{self.config.tenant_id}/{self.config.environment}/api/v2.0/"
            f"companies({self.company_id})"
        )

    def custom_api_url(self, base_url: str) -> str:
        publisher, group, version = self.config.custom_api.route
        return (
            f"{base_url}/v2.0/{self.config.tenant_id}/{self.config.environment}/api/"
            f"{publisher}/{group}/{version}/companies({self.company_id})"
        )

    def token_url(self, base_url: str) -> str:
        return f"{base_url}/{self.config.tenant_id}/oauth2/v2.0/token"

    # --- changing the company, as users of BC would -------------------------------------------

    def touch(self, entity_set: str, match: dict[str, Any], **changes: Any) -> dict[str, Any]:
        """Change fields of one record, bumping its etag and lastModifiedDateTime to now."""
        with self.state.lock:
            record = self.state.find(entity_set, **match)
            record.update(changes)
            record["lastModifiedDateTime"] = self.now()
            key = (entity_set, str(record.get("id")))
            self.state.versions[key] = self.state.versions.get(key, 1) + 1
            return record

    def delete(self, entity_set: str, match: dict[str, Any]) -> None:
        """Remove a record, as BC does with an order once it is fully posted or cancelled."""
        with self.state.lock:
            record = self.state.find(entity_set, **match)
            self.state.sets[entity_set].remove(record)

    # --- guards -------------------------------------------------------------------------------

    def _authenticate(self, request: Request) -> Response | None:
        if not request.path.startswith(API_ROOT):
            return None
        tenant = request.path[len(API_ROOT) :].split("/", 1)[0]
        try:
            self.tokens.check(request, tenant)
        except ODataError as error:
            return odata.error_response(error.status, error.message, error.code, error.headers)
        return None

    def _limit(self, request: Request) -> Response | None:
        if not request.path.startswith(API_ROOT):
            return None
        rejection = self.budget(request)
        if rejection is not None and self.config.retry_after_seconds is None:
            rejection.headers = [(k, v) for k, v in rejection.headers if k != "Retry-After"]
        return rejection

    def _locked(self, handler: Handler, request: Request) -> Response:
        try:
            with self.state.lock:
                return handler(request)
        except ODataError as error:
            return odata.error_response(error.status, error.message, error.code, error.headers)

    # --- handlers -----------------------------------------------------------------------------

    def _check_environment(self, request: Request) -> None:
        tenant, environment = request.path_params["tenant"], request.path_params["environment"]
        if tenant != self.config.tenant_id or environment != self.config.environment:
            raise ODataError(
                404,
                "BadRequest_NotFound",
                f"Environment '{environment}' does not exist in tenant '{tenant}'.",
            )

    def _check_company(self, segment: str) -> None:
        match = _COMPANY_SEGMENT.match(segment)
        if match is None:
            raise ODataError(
                400,
                "BadRequest",
                f"Bad Request - Error in query syntax: expected companies(<id>), got '{segment}'.",
            )
        if match.group("id").lower() != self.company_id:
            raise ODataError(
                404,
                "Internal_CompanyNotFound",
                f"Cannot process the request because the company '{match.group('id')}' "
                "cannot be found.",
            )

    def _companies(self, request: Request) -> Response:
        self._check_environment(request)
        return self._collection(request, COMPANIES, [self.state.company], "companies")

    def _standard(self, request: Request) -> Response:
        self._check_environment(request)
        self._check_company(request.path_params["company"])
        return self._entity_set(request, request.path_params["entity_set"], STANDARD_SETS)

    def _custom(self, request: Request) -> Response:
        self._check_environment(request)
        route = (
            request.path_params["publisher"],
            request.path_params["group"],
            request.path_params["version"],
        )
        if route != self.config.custom_api.route:
            raise ODataError(
                404,
                "BadRequest_NotFound",
                f"No API is published as {'/'.join(route)}: check the extension's "
                "APIPublisher, APIGroup and APIVersion.",
            )
        self._check_company(request.path_params["company"])
        return self._entity_set(request, request.path_params["entity_set"], self.custom_sets)

    def _entity(self, name: str) -> EntitySet:
        return STANDARD_SETS.get(name) or self.custom_sets[name]

    def _entity_set(self, request: Request, segment: str, known: dict[str, EntitySet]) -> Response:
        keyed = _KEYED_SEGMENT.match(segment)
        name = keyed.group("name") if keyed else segment
        entity = known.get(name)
        if entity is None:
            raise ODataError(
                404,
                "BadRequest_NotFound",
                f"No HTTP resource was found that matches the request URI "
                f"'{request.base_url}{request.path}'.",
            )
        rows = self.state.sets[name]
        context = f"companies({self.company_id})/{name}"
        if keyed:
            return self._single(request, entity, rows, keyed.group("key"), context)
        return self._collection(request, entity, rows, context)

    def _single(
        self,
        request: Request,
        entity: EntitySet,
        rows: list[dict[str, Any]],
        key: str,
        context: str,
    ) -> Response:
        for record in rows:
            if str(record.get("id")) == key.lower():
                expand = odata.parse_expand(request, entity)
                body = odata.render(
                    record,
                    self.state.version(entity.name, record),
                    entity,
                    expand=expand,
                    select=None,
                )
                return odata.odata_response(
                    {"@odata.context": self._context_url(request, context + "/$entity"), **body}
                )
        raise ODataError(
            404,
            "BadRequest_NotFound",
            f"The {entity.type_name} with id '{key}' does not exist.",
        )

    def _collection(
        self, request: Request, entity: EntitySet, rows: list[dict[str, Any]], context: str
    ) -> Response:
        odata.check_options(request)
        sample = rows[0] if rows else None
        expand = odata.parse_expand(request, entity)
        select = odata.parse_select(request, entity, sample)
        raw_filter = request.arg("$filter")
        if raw_filter:
            comparisons = odata.parse_filter(raw_filter, entity, sample)
            rows = [row for row in rows if all(c.matches(row) for c in comparisons)]
        page = odata.paginate(request, list(rows), entity, self.config.page_size)
        if expand:
            context += f"({entity.navigation}())"
        payload: dict[str, Any] = {
            "@odata.context": self._context_url(request, context),
            "value": [
                odata.render(
                    record,
                    self.state.version(entity.name, record),
                    entity,
                    expand=expand,
                    select=select,
                )
                for record in page.rows
            ],
        }
        if page.next_link:
            payload["@odata.nextLink"] = page.next_link
        headers = []
        if page.applied_max_page_size is not None:
            headers.append(
                ("Preference-Applied", f"odata.maxpagesize={page.applied_max_page_size}")
            )
        return odata.odata_response(payload, headers)

    def _context_url(self, request: Request, context: str) -> str:
        root = request.path.split("/companies", 1)[0]
        return f"{request.base_url}{root}/$metadata#{context}"
