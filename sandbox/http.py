"""The HTTP core every sandbox shares: routing, replies, a request log, a budget and faults.

A sandbox builds an `App` from a `Router` of handlers and a list of guards (authentication,
rate budget, tenant checks: whatever its API does before routing), then runs it with `serve()`:

    router = Router()
    router.add("GET", "/api/things/{thing_id}", get_thing)
    app = App(router, guards=[check_key, RequestBudget(100, 60.0, retry_after_seconds=5)])
    with serve(app) as base_url:
        ...

Only transport-level behaviour lives here. What an API's errors, auth header or paging look like
belongs to that API's sandbox (the error body shape is injected through `error_body`).
"""

from __future__ import annotations

import datetime as dt
import email.parser
import email.policy
import logging
import random
import re
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from sandbox import jsonio

logger = logging.getLogger("sandbox.http")

REDACTED = "[redacted]"


# --- requests and responses -------------------------------------------------------------------


class HTTPError(Exception):
    """Raised by a handler or guard to answer with an error status and a human-readable message."""

    def __init__(self, status: int, message: str, headers: Sequence[tuple[str, str]] = ()) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = list(headers)


@dataclass(frozen=True)
class FormPart:
    """One part of a multipart/form-data body."""

    name: str
    filename: str | None
    content_type: str
    data: bytes


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: Message
    body: bytes
    # The scheme and authority the client used, e.g. "http://127.0.0.1:8686", for links.
    base_url: str
    path_params: dict[str, str] = field(default_factory=dict)

    def header(self, name: str) -> str | None:
        return self.headers.get(name)

    def arg(self, name: str) -> str | None:
        """The first value of a query parameter, or None when it is absent."""
        values = self.query.get(name)
        return values[0] if values else None

    def args(self, name: str) -> list[str]:
        """Every value of a repeated query parameter, in order."""
        return list(self.query.get(name, []))

    def json(self) -> Any:
        """The body as JSON, decimals kept exact; 400 when it is not JSON."""
        if not self.body:
            raise HTTPError(400, "The request body is empty; a JSON body is expected")
        try:
            return jsonio.loads(self.body)
        except ValueError as error:
            raise HTTPError(400, f"The request body is not valid JSON: {error}") from None

    def form(self) -> dict[str, FormPart]:
        """The parts of a multipart/form-data body by field name; 400 when it is not one."""
        return parse_multipart(self.headers.get("Content-Type", ""), self.body)


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)


def json_response(
    payload: Any, status: int = 200, headers: Iterable[tuple[str, str]] = ()
) -> Response:
    body = jsonio.dumps(payload).encode("utf-8")
    return Response(status, body, [("Content-Type", "application/json"), *headers])


def text_response(
    text: str,
    status: int = 200,
    content_type: str = "text/plain; charset=utf-8",
    headers: Iterable[tuple[str, str]] = (),
) -> Response:
    return Response(status, text.encode("utf-8"), [("Content-Type", content_type), *headers])


def no_content() -> Response:
    return Response(204)


def default_error_body(status: int, message: str) -> Response:
    return json_response({"message": message}, status)


def parse_multipart(content_type: str, body: bytes) -> dict[str, FormPart]:
    """Split a multipart/form-data body with the standard e-mail parser (the cgi module is gone)."""
    if not content_type.lower().startswith("multipart/form-data"):
        raise HTTPError(
            415, f"Expected a multipart/form-data body, got Content-Type {content_type!r}"
        )
    if "boundary=" not in content_type.lower():
        raise HTTPError(400, "The multipart/form-data Content-Type has no boundary")
    envelope = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode() + body
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(envelope)
    if not message.is_multipart():
        raise HTTPError(400, "The multipart/form-data body could not be parsed")
    parts: dict[str, FormPart] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not name:
            continue
        payload = part.get_payload(decode=True) or b""
        parts[str(name)] = FormPart(
            name=str(name),
            filename=part.get_filename(),
            content_type=part.get_content_type(),
            data=payload,
        )
    return parts


# --- routing ----------------------------------------------------------------------------------

Handler = Callable[[Request], Response]
Guard = Callable[[Request], Response | None]


class Router:
    """Method + path-pattern routing; `{name}` in a pattern matches one path segment."""

    def __init__(self) -> None:
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []

    def add(self, method: str, pattern: str, handler: Handler) -> None:
        regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(pattern))
        self._routes.append((method.upper(), re.compile(f"^{regex}$"), handler))

    def resolve(self, method: str, path: str) -> tuple[Handler, dict[str, str]]:
        allowed: list[str] = []
        for route_method, regex, handler in self._routes:
            match = regex.match(path)
            if match is None:
                continue
            if route_method == method.upper():
                params = {key: unquote(value) for key, value in match.groupdict().items()}
                return handler, params
            allowed.append(route_method)
        if allowed:
            raise HTTPError(
                405,
                f"Method {method} is not allowed on {path}",
                [("Allow", ", ".join(sorted(set(allowed))))],
            )
        raise HTTPError(404, f"No resource at {path}")


# --- request log ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RequestRecord:
    method: str
    path: str
    query: dict[str, list[str]]
    # None when the connection was dropped without an answer.
    status: int | None
    # The request body of writes (None for GET/HEAD); never redacted, so keep keys out of bodies.
    body: bytes | None
    headers: dict[str, str]
    at: dt.datetime
    # "error", "slow" or "drop" when a fault was injected into this request.
    fault: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "at": jsonio.format_timestamp(self.at),
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "status": self.status,
            "fault": self.fault,
            "headers": self.headers,
            "body": None if self.body is None else self.body.decode("utf-8", "replace"),
        }


class RequestLog:
    """Thread-safe record of every request; optionally mirrored to a JSONL file as it happens."""

    def __init__(self, *, max_records: int | None = None, sink: Path | None = None) -> None:
        self._records: deque[RequestRecord] = deque(maxlen=max_records)
        self._lock = threading.Lock()
        self._sink = sink
        if sink is not None:
            sink.parent.mkdir(parents=True, exist_ok=True)

    def append(self, record: RequestRecord) -> None:
        with self._lock:
            self._records.append(record)
            if self._sink is not None:
                with self._sink.open("a", encoding="utf-8") as handle:
                    handle.write(jsonio.dumps(record.to_json()) + "\n")

    def records(self) -> list[RequestRecord]:
        with self._lock:
            return list(self._records)

    def clear(self) -> None:
        with self._lock:
            self._records.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._records)


# --- request budget ---------------------------------------------------------------------------


class RequestBudget:
    """A guard allowing `limit` requests per fixed window, then 429 + Retry-After until it resets.

    The window opens with the first counted request. Rejected requests do not count, so a client
    that honours Retry-After gets through once the window is over. `limit=None` is unlimited.
    """

    def __init__(
        self,
        limit: int | None,
        window_seconds: float = 60.0,
        *,
        retry_after_seconds: int = 1,
        error_body: Callable[[int, str], Response] = default_error_body,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if limit is not None and limit < 1:
            raise ValueError("a request budget must allow at least one request")
        self.limit = limit
        self.window_seconds = window_seconds
        self.retry_after_seconds = retry_after_seconds
        self._error_body = error_body
        self._clock = clock
        self._lock = threading.Lock()
        self._window_start: float | None = None
        self._used = 0

    def __call__(self, request: Request) -> Response | None:
        if self.limit is None:
            return None
        with self._lock:
            now = self._clock()
            if self._window_start is None or now - self._window_start >= self.window_seconds:
                self._window_start = now
                self._used = 0
            if self._used < self.limit:
                self._used += 1
                return None
        response = self._error_body(
            429,
            f"Too many requests: {self.limit} allowed per {self.window_seconds:g} s; "
            f"retry after {self.retry_after_seconds} s",
        )
        response.headers.append(("Retry-After", str(self.retry_after_seconds)))
        return response


# --- fault injection --------------------------------------------------------------------------


@dataclass(frozen=True)
class FaultPlan:
    """Probabilities, per request, of a 500/503, of a slow answer and of a dropped connection.

    The draws come from a generator seeded with `seed`, so a given sequence of requests meets
    the same faults on every run.
    """

    seed: int = 0
    error_rate: float = 0.0
    slow_rate: float = 0.0
    slow_seconds: float = 2.0
    drop_rate: float = 0.0
    # Only requests with these methods meet faults, e.g. {"POST", "PUT"} to trouble writes
    # while reads go through; None troubles every request.
    methods: frozenset[str] | None = None

    def __post_init__(self) -> None:
        rates = (self.error_rate, self.slow_rate, self.drop_rate)
        if any(rate < 0 or rate > 1 for rate in rates) or sum(rates) > 1:
            raise ValueError(f"fault rates must lie in [0, 1] and sum to at most 1: {self}")

    @property
    def active(self) -> bool:
        return self.error_rate > 0 or self.slow_rate > 0 or self.drop_rate > 0


@dataclass(frozen=True)
class Fault:
    kind: str  # "error", "slow" or "drop"
    status: int | None = None
    seconds: float = 0.0


class FaultInjector:
    def __init__(self, plan: FaultPlan) -> None:
        self.plan = plan
        self._random = random.Random(plan.seed)
        self._lock = threading.Lock()

    def draw(self, method: str | None = None) -> Fault | None:
        plan = self.plan
        if not plan.active:
            return None
        if plan.methods is not None and (method or "").upper() not in plan.methods:
            return None
        with self._lock:
            roll = self._random.random()
            status = self._random.choice((500, 503))
        if roll < plan.drop_rate:
            return Fault("drop")
        if roll < plan.drop_rate + plan.error_rate:
            return Fault("error", status=status)
        if roll < plan.drop_rate + plan.error_rate + plan.slow_rate:
            return Fault("slow", seconds=plan.slow_seconds)
        return None


# --- the application --------------------------------------------------------------------------


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class App:
    """Routes requests through guards to handlers, and records each one in the request log."""

    def __init__(
        self,
        router: Router,
        *,
        guards: Sequence[Guard] = (),
        faults: FaultPlan | None = None,
        log: RequestLog | None = None,
        error_body: Callable[[int, str], Response] = default_error_body,
        redacted_headers: Iterable[str] = ("Authorization",),
        clock: Callable[[], dt.datetime] = _utc_now,
        around_handler: Callable[[Handler, Request], Response] | None = None,
    ) -> None:
        self.router = router
        self.guards = list(guards)
        self.faults = FaultInjector(faults or FaultPlan())
        self.log = log if log is not None else RequestLog()
        self.error_body = error_body
        self.redacted_headers = {name.lower() for name in redacted_headers}
        self.clock = clock
        # Lets a sandbox run every handler under its state lock, for instance.
        self._around_handler = around_handler

    def handle(self, request: Request) -> Response:
        try:
            for guard in self.guards:
                rejection = guard(request)
                if rejection is not None:
                    return rejection
            handler, request.path_params = self.router.resolve(request.method, request.path)
            if self._around_handler is not None:
                return self._around_handler(handler, request)
            return handler(request)
        except HTTPError as error:
            response = self.error_body(error.status, error.message)
            response.headers.extend(error.headers)
            return response
        except Exception:
            logger.exception("unhandled error in %s %s", request.method, request.path)
            return self.error_body(500, "Internal server error")

    def record(self, request: Request, status: int | None, fault: str | None) -> None:
        headers = {
            name: (REDACTED if name.lower() in self.redacted_headers else value)
            for name, value in request.headers.items()
        }
        writes = request.method not in ("GET", "HEAD", "OPTIONS")
        self.log.append(
            RequestRecord(
                method=request.method,
                path=request.path,
                query={key: list(values) for key, values in request.query.items()},
                status=status,
                body=request.body if writes else None,
                headers=headers,
                at=self.clock(),
                fault=fault,
            )
        )


# --- the server -------------------------------------------------------------------------------


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    app: App

    def __init__(self, address: tuple[str, int], app: App) -> None:
        self.app = app
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _RequestHandler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Close idle keep-alive connections so their handler threads end with the server."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class _RequestHandler(BaseHTTPRequestHandler):
    # HTTP/1.1 keeps connections alive, as real APIs do; every reply carries Content-Length.
    protocol_version = "HTTP/1.1"
    server_version = "mirakl-recon-sandbox"
    # An idle keep-alive connection is closed after this many seconds.
    timeout = 30
    # Headers and body go out in separate writes; with Nagle on, each answer waits for the
    # client's delayed ACK (~40 ms on loopback).
    disable_nagle_algorithm = True
    server: _Server

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s - %s", self.address_string(), format % args)

    def do_GET(self) -> None:
        self._dispatch()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = do_GET

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    # Trailer section, ended by an empty line.
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _dispatch(self) -> None:
        app = self.server.app
        url = urlsplit(self.path)
        host = self.headers.get("Host") or "{}:{}".format(*self.server.server_address[:2])
        request = Request(
            method=self.command,
            path=url.path or "/",
            query=parse_qs(url.query, keep_blank_values=True),
            # The parsed message: case-insensitive lookups, as HTTP header names are.
            headers=self.headers,
            body=self._read_body(),
            base_url=f"http://{host}",
        )
        fault = app.faults.draw(request.method)
        if fault is not None and fault.kind == "drop":
            app.record(request, None, "drop")
            self.close_connection = True
            with suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        if fault is not None and fault.kind == "error":
            status = fault.status or 500
            response = app.error_body(status, "Injected server error; retry later")
        else:
            if fault is not None and fault.kind == "slow":
                time.sleep(fault.seconds)
            response = app.handle(request)
        # Recorded before answering, so a client that has its answer also finds it in the log.
        app.record(request, response.status, fault.kind if fault else None)
        self._write(request, response)

    def _write(self, request: Request, response: Response) -> None:
        self.send_response(response.status)
        for name, value in response.headers:
            self.send_header(name, value)
        if response.status not in (204, 304):
            self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if request.method != "HEAD" and response.status not in (204, 304):
            self.wfile.write(response.body)


@contextmanager
def serve(app: App, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Run `app` in a daemon thread and yield its base URL; port 0 picks a free port."""
    server = _Server((host, port), app)
    bound_host, bound_port = server.server_address[:2]
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.05},
        name=f"sandbox-http-{bound_port}",
        daemon=True,
    )
    thread.start()
    try:
        yield f"http://{bound_host}:{bound_port}"
    finally:
        server.shutdown()
        server.close_connections()
        server.server_close()
        thread.join(timeout=5)


class ServedSandbox:
    """What every sandbox offers its callers once it has built `app` and its request `_log`."""

    app: App
    _log: RequestLog

    @property
    def request_log(self) -> list[RequestRecord]:
        return self._log.records()

    def clear_request_log(self) -> None:
        self._log.clear()

    @contextmanager
    def serve(self, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
        """Serve until the block ends; yields the base URL the client is configured with."""
        with serve(self.app, host, port) as base_url:
            yield base_url
