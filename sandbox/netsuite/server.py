"""The NetSuite sandbox: one account's records behind SuiteTalk REST's SuiteQL endpoint.

``POST /services/rest/query/v1/suiteql?limit=<n>&offset=<n>`` with ``Prefer: transient`` and a
body ``{"q": "SELECT ..."}`` (erp-apis.md §1.4) runs the query on an in-memory DuckDB copy of
the account's tables and answers one page::

    {"links": [{"rel": "next", "href": ...}, ...], "count": 2, "hasMore": true,
     "items": [{"links": [], "tranid": "SO200076", ...}], "offset": 0, "totalResults": 184}

Every value is a string; a NULL column is left out of its row. Requests are authenticated by
TBA (OAuth 1.0a, HMAC-SHA256, realm = account id) or an OAuth 2.0 bearer token; a failed login
answers 401 "Invalid login attempt." and its reason goes to ``login_audit_trail`` only, as in
NetSuite. The account allows ``concurrency_limit`` requests at a time; one more is refused with
429 ``CONCURRENCY_LIMIT_EXCEEDED`` (the status NetSuite's REST services use here is not
documented, see erp-apis.md §6.1; 429 is the common assumption).

The sandbox clock (``now()``) starts at the world's ``as_of`` and runs in real time, so records
changed through ``update_records`` carry a ``lastmodifieddate`` just after the world's history.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import duckdb
import pyarrow as pa

from sandbox import http
from sandbox.http import App, Handler, Request, RequestLog, Response
from sandbox.netsuite.auth import Authenticator, AuthFailure, Credentials
from sandbox.netsuite.config import SandboxConfig
from sandbox.netsuite.errors import (
    CONCURRENCY_DETAIL,
    INVALID_LOGIN_DETAIL,
    error_body,
    error_response,
)
from sandbox.netsuite.records import NetSuiteTables, build_tables
from sandbox.netsuite.schema import DUCKDB_TYPES, TABLES, Kind
from sandbox.netsuite.suiteql import Compiler, OutputColumn, SuiteQLError
from sandbox.world.erp_records import read_erp_records
from sandbox.world.layout import WorldLayout

SUITEQL_PATH = "/services/rest/query/v1/suiteql"
COLLECTION_CONTENT_TYPE = "application/vnd.oracle.resource+json; type=collection; charset=UTF-8"

_ARROW_TYPES: dict[Kind, pa.DataType] = {
    "integer": pa.int64(),
    "decimal": pa.decimal128(20, 6),
    "text": pa.string(),
    "checkbox": pa.string(),
    "date": pa.date32(),
    "datetime": pa.timestamp("s"),
}


@dataclass(frozen=True)
class LoginAttempt:
    """One refused login, as NetSuite's Login Audit Trail would list it."""

    at: dt.datetime
    path: str
    reason: str


class NetSuiteSandbox(http.ServedSandbox):
    """A NetSuite account on loopback, serving SuiteQL over the given records."""

    def __init__(
        self,
        tables: NetSuiteTables,
        as_of: dt.datetime,
        config: SandboxConfig | None = None,
    ) -> None:
        self.config = config or SandboxConfig()
        self.as_of = as_of
        self._started = time.monotonic()
        self._db = duckdb.connect(":memory:")
        self._write_lock = threading.Lock()
        self._load(tables)
        self._compiler = Compiler(TABLES, self.config.timezone, self.config.date_format)
        self._authenticator = Authenticator(
            Credentials(
                account_id=self.config.account_id,
                consumer_key=self.config.consumer_key,
                consumer_secret=self.config.consumer_secret,
                token_id=self.config.token_id,
                token_secret=self.config.token_secret,
                access_token=self.config.access_token,
            )
        )
        self._audit: list[LoginAttempt] = []
        self._slots_lock = threading.Lock()
        self._in_flight = 0
        self._held = 0
        self._refusals = 0
        self._log = RequestLog(
            max_records=self.config.request_log_max_records, sink=self.config.request_log_path
        )
        router = http.Router()
        router.add("POST", SUITEQL_PATH, self._suiteql)
        self.app = App(
            router,
            guards=[self._authenticate],
            faults=self.config.faults,
            log=self._log,
            error_body=error_body,
            redacted_headers=("Authorization",),
            clock=self.now,
            around_handler=self._within_concurrency_limit,
        )

    @classmethod
    def from_world(cls, world_root: Path, config: SandboxConfig | None = None) -> NetSuiteSandbox:
        """Serve the ERP side of the world in ``world_root`` as NetSuite records."""
        config = config or SandboxConfig()
        layout = WorldLayout(Path(world_root))
        as_of = layout.read_manifest().as_of
        tables = build_tables(read_erp_records(layout.root), as_of, config.timezone)
        return cls(tables, as_of, config)

    # --- clock, log, serving ------------------------------------------------------------------

    def now(self) -> dt.datetime:
        return self.as_of + dt.timedelta(seconds=time.monotonic() - self._started)

    @property
    def login_audit_trail(self) -> list[LoginAttempt]:
        return list(self._audit)

    @property
    def concurrency_refusals(self) -> int:
        """How many requests the concurrency limit has refused so far."""
        return self._refusals

    @contextmanager
    def hold_slots(self, count: int) -> Iterator[None]:
        """Occupy ``count`` concurrency slots, as other integrations of the account would."""
        with self._slots_lock:
            self._held += count
        try:
            yield
        finally:
            with self._slots_lock:
                self._held -= count

    # --- data -----------------------------------------------------------------------------------

    def _load(self, tables: NetSuiteTables) -> None:
        for name, table in TABLES.items():
            rows = tables.rows.get(name, [])
            schema = pa.schema(
                [pa.field(column, _ARROW_TYPES[kind]) for column, kind in table.columns.items()]
            )
            arrow = pa.Table.from_pylist(
                [{column: row.get(column) for column in table.columns} for row in rows],
                schema=schema,
            )
            columns = ", ".join(
                f'"{column}" {DUCKDB_TYPES[kind]}' for column, kind in table.columns.items()
            )
            self._db.execute(f'CREATE TABLE "{name}" ({columns})')
            self._db.register("incoming", arrow)
            self._db.execute(f'INSERT INTO "{name}" SELECT * FROM incoming')
            self._db.unregister("incoming")

    def update_records(self, table: str, where: Mapping[str, Any], **changes: Any) -> int:
        """Change the rows of ``table`` matching ``where`` as a NetSuite user would.

        The record's ``lastmodifieddate`` moves to the sandbox clock; a changed transaction line
        or accounting line moves its transaction's. Returns the number of rows changed.
        """
        columns = TABLES[table].columns
        unknown = [name for name in (*where, *changes) if name not in columns]
        if unknown:
            raise KeyError(f"{table} has no column(s) {', '.join(unknown)}")
        modified = self.now().astimezone(dt.UTC).replace(tzinfo=None, microsecond=0)
        if "lastmodifieddate" in columns and "lastmodifieddate" not in changes:
            changes = {**changes, "lastmodifieddate": modified}
        condition = " AND ".join(f'"{name}" = ?' for name in where)
        assignments = ", ".join(f'"{name}" = ?' for name in changes)
        with self._write_lock:
            cursor = self._db.cursor()
            (count,) = cursor.execute(
                f'SELECT count(*) FROM "{table}" WHERE {condition}', list(where.values())
            ).fetchone()
            cursor.execute(
                f'UPDATE "{table}" SET {assignments} WHERE {condition}',
                [*changes.values(), *where.values()],
            )
            if table in ("transactionline", "transactionaccountingline") and "transaction" in where:
                cursor.execute(
                    'UPDATE "transaction" SET lastmodifieddate = ? WHERE id = ?',
                    [modified, where["transaction"]],
                )
        return count

    def query(self, suiteql: str) -> list[dict[str, str]]:
        """Every row of a SuiteQL query as the API would write it (for tests and debugging)."""
        compiled = self._compiler.compile(suiteql)
        rows = self._db.cursor().execute(compiled.sql, compiled.params).fetchall()
        return [self._render(row, compiled.columns) for row in rows]

    def _render(self, row: tuple[Any, ...], columns: list[OutputColumn]) -> dict[str, Any]:
        item: dict[str, Any] = {"links": []}
        for value, column in zip(row, columns, strict=True):
            if value is not None:
                item[column.name] = self._compiler.render(value, column.kind)
        return item

    # --- guards -------------------------------------------------------------------------------

    def _authenticate(self, request: Request) -> Response | None:
        try:
            self._authenticator.check(request)
        except AuthFailure as failure:
            self._audit.append(LoginAttempt(self.now(), request.path, failure.reason))
            error = "invalid_request" if failure.status == 400 else "invalid_token"
            challenge = (
                f'Bearer realm="{self.config.account_id}", error="{error}", '
                'error_description="Invalid login attempt."'
            )
            return error_response(
                failure.status,
                INVALID_LOGIN_DETAIL,
                "INVALID_LOGIN",
                headers=[("WWW-Authenticate", challenge)],
            )
        return None

    def _within_concurrency_limit(self, handler: Handler, request: Request) -> Response:
        with self._slots_lock:
            if self._in_flight + self._held >= self.config.concurrency_limit:
                self._refusals += 1
                refused = True
            else:
                self._in_flight += 1
                refused = False
        if refused:
            return error_response(429, CONCURRENCY_DETAIL, "CONCURRENCY_LIMIT_EXCEEDED")
        try:
            if self.config.query_seconds:
                time.sleep(self.config.query_seconds)
            return handler(request)
        finally:
            with self._slots_lock:
                self._in_flight -= 1

    # --- SuiteQL ------------------------------------------------------------------------------

    def _suiteql(self, request: Request) -> Response:
        prefer = (request.header("Prefer") or "").lower()
        if "transient" not in prefer:
            return error_response(
                400,
                "SuiteQL queries must be sent with the header 'Prefer: transient'.",
                "USER_ERROR",
            )
        limit = self._paging_arg(request, "limit", self.config.max_page_size)
        if isinstance(limit, Response):
            return limit
        offset = self._paging_arg(request, "offset", 0)
        if isinstance(offset, Response):
            return offset
        if not 1 <= limit <= self.config.max_page_size:
            return error_response(
                400,
                f"Invalid value for the 'limit' parameter: it must lie between 1 and "
                f"{self.config.max_page_size}.",
                error_query_param="limit",
            )
        if offset % limit:
            return error_response(
                400,
                "Invalid value for the 'offset' parameter: the offset must be a multiple of "
                "the limit.",
                error_query_param="offset",
            )
        if offset >= self.config.max_results:
            return error_response(
                400,
                f"Invalid value for the 'offset' parameter: a query can page through at most "
                f"{self.config.max_results} results. Narrow the query, for example with a "
                "condition on the internal id.",
                error_query_param="offset",
            )
        body = request.json()
        text = body.get("q") if isinstance(body, dict) else None
        if not isinstance(text, str) or not text.strip():
            return error_response(
                400,
                "The request body must be a JSON object with the query in 'q'.",
                error_path="q",
            )
        try:
            compiled = self._compiler.compile(text)
            cursor = self._db.cursor()
            (total,) = cursor.execute(compiled.count_sql, compiled.count_params).fetchone()
            rows = cursor.execute(
                f"{compiled.sql} LIMIT {limit} OFFSET {offset}", compiled.params
            ).fetchall()
        except SuiteQLError as error:
            return error_response(400, str(error), error_query_param="q")
        except duckdb.Error as error:
            first_line = str(error).splitlines()[0]
            return error_response(
                400,
                "Invalid search query. Detailed unprocessed description follows. "
                f"Search error occurred: {first_line}",
                error_query_param="q",
            )
        items = [self._render(row, compiled.columns) for row in rows]
        has_more = offset + len(items) < total
        payload = {
            "links": self._links(request, limit, offset, total, has_more),
            "count": len(items),
            "hasMore": has_more,
            "items": items,
            "offset": offset,
            "totalResults": total,
        }
        response = http.json_response(payload)
        response.headers[0] = ("Content-Type", COLLECTION_CONTENT_TYPE)
        return response

    @staticmethod
    def _paging_arg(request: Request, name: str, default: int) -> int | Response:
        raw = request.arg(name)
        if raw is None or raw == "":
            return default
        try:
            value = int(raw)
        except ValueError:
            value = -1
        if value < 0:
            return error_response(
                400,
                f"Invalid value for the '{name}' parameter: '{raw}' is not a non-negative integer.",
                error_query_param=name,
            )
        return value

    @staticmethod
    def _links(
        request: Request, limit: int, offset: int, total: int, has_more: bool
    ) -> list[dict[str, str]]:
        def href(at: int) -> str:
            return f"{request.base_url}{request.path}?{urlencode({'limit': limit, 'offset': at})}"

        last = max(0, (total - 1) // limit * limit) if total else 0
        links = []
        if offset > 0:
            links.append({"rel": "first", "href": href(0)})
            links.append({"rel": "prev", "href": href(max(0, offset - limit))})
        if has_more:
            links.append({"rel": "next", "href": href(offset + limit)})
        links.append({"rel": "last", "href": href(last)})
        links.append({"rel": "self", "href": href(offset)})
        return links
