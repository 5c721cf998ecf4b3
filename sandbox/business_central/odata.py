"""OData v4 as Business Central speaks it: query options, server-driven paging, the error envelope.

- Collections answer ``{"@odata.context", "value": [...], "@odata.nextLink"?}``; each entity
  carries ``@odata.etag``. The page size is the server's; ``Prefer: odata.maxpagesize=<n>``
  may lower it (answered with ``Preference-Applied``). ``@odata.nextLink`` is an absolute URL
  repeating the request's options plus a ``$skiptoken`` keyed on the last row's primary key,
  so a page boundary does not move when rows change elsewhere.
- ``$filter``: comparisons joined by ``and``. The sandbox filters on ``lastModifiedDateTime``
  (eq, ne, gt, ge, lt, le, with an unquoted ISO 8601 literal, as OData requires) and on key
  text properties with ``eq``; anything else is refused with the error envelope.
- ``$expand`` of the entity's lines (or dimension set lines), ``$select``, ``$top``.
- Errors: ``{"error": {"code": "<Category_Detail>", "message": "..."}}``.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import quote, urlencode

from sandbox import jsonio
from sandbox.business_central.entities import KEY_TEXT_FILTERS, EntitySet
from sandbox.http import HTTPError, Request, Response

JSON_CONTENT_TYPE = "application/json; odata.metadata=minimal; odata.streaming=true; charset=utf-8"

# The error code Business Central sends with each status when a handler gives none.
STATUS_CODES = {
    400: "BadRequest",
    401: "Authentication_InvalidCredentials",
    403: "Authorization_Failed",
    404: "BadRequest_NotFound",
    405: "BadRequest_MethodNotAllowed",
    408: "Request_Timeout",
    # The code of BC's 429 body is not confirmed in the reference; this one is the sandbox's.
    429: "Application_TooManyRequests",
    500: "Internal_ServerError",
    503: "Internal_ServiceUnavailable",
}


class ODataError(HTTPError):
    """An error answered with Business Central's envelope and a specific code."""

    def __init__(
        self, status: int, code: str, message: str, headers: Sequence[tuple[str, str]] = ()
    ) -> None:
        super().__init__(status, message, headers)
        self.code = code


def error_response(
    status: int, message: str, code: str | None = None, headers: Iterable[tuple[str, str]] = ()
) -> Response:
    body = {"error": {"code": code or STATUS_CODES.get(status, "BadRequest"), "message": message}}
    return Response(
        status,
        jsonio.dumps(body).encode("utf-8"),
        [("Content-Type", JSON_CONTENT_TYPE), ("OData-Version", "4.0"), *headers],
    )


def envelope(status: int, message: str) -> Response:
    """The `error_body` hook of the HTTP core: every error in the OData envelope."""
    return error_response(status, message)


def odata_response(payload: dict[str, Any], headers: Iterable[tuple[str, str]] = ()) -> Response:
    return Response(
        200,
        jsonio.dumps(_wire(payload)).encode("utf-8"),
        [("Content-Type", JSON_CONTENT_TYPE), ("OData-Version", "4.0"), *headers],
    )


def format_datetime(value: dt.datetime) -> str:
    """BC's Edm.DateTimeOffset: UTC, always with milliseconds, e.g. 2024-03-01T08:15:00.000Z."""
    value = value.astimezone(dt.UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def _wire(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _wire(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_wire(item) for item in value]
    if isinstance(value, dt.datetime):
        return format_datetime(value)
    return value


def etag(record: dict[str, Any], version: int) -> str:
    digest = hashlib.sha1(f"{record.get('id')}:{version}".encode()).hexdigest()[:16]
    token = base64.b64encode(f"'{version};{digest};'".encode()).decode()
    return f'W/"{token}"'


# --- $filter ----------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>'(?:[^']|'')*')
      | (?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2}))
      | (?P<guid>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})
      | (?P<date>\d{4}-\d{2}-\d{2})
      | (?P<number>-?\d+(?:\.\d+)?)
      | (?P<word>[A-Za-z_][A-Za-z0-9_./]*)
      | (?P<punct>[(),])
    )""",
    re.VERBOSE,
)

COMPARISONS = {
    "eq": ("Equal", lambda a, b: a == b),
    "ne": ("NotEqual", lambda a, b: a != b),
    "gt": ("GreaterThan", lambda a, b: a > b),
    "ge": ("GreaterThanOrEqual", lambda a, b: a >= b),
    "lt": ("LessThan", lambda a, b: a < b),
    "le": ("LessThanOrEqual", lambda a, b: a <= b),
}


@dataclass(frozen=True)
class Literal:
    kind: str  # string, datetime, date, guid, number, boolean, null
    value: Any
    edm: str


@dataclass(frozen=True)
class Comparison:
    field: str
    operator: str
    literal: Literal

    def matches(self, record: dict[str, Any]) -> bool:
        left = record.get(self.field)
        right = self.literal.value
        if left is None or right is None:
            return self.operator == ("eq" if left is right else "ne")
        return COMPARISONS[self.operator][1](left, right)


def _tokens(text: str) -> list[tuple[str, str, int]]:
    tokens = []
    position = 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise ODataError(
                400, "BadRequest", f"Syntax error at position {position + 1} in '{text}'."
            )
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind), match.start(kind)))
        position = match.end()
    return tokens


def _literal(kind: str, raw: str) -> Literal:
    if kind == "string":
        return Literal("string", raw[1:-1].replace("''", "'"), "Edm.String")
    if kind == "datetime":
        return Literal("datetime", jsonio.parse_timestamp(raw), "Edm.DateTimeOffset")
    if kind == "date":
        return Literal("date", raw, "Edm.Date")
    if kind == "guid":
        return Literal("guid", raw.lower(), "Edm.Guid")
    if kind == "number":
        return Literal("number", Decimal(raw), "Edm.Decimal")
    lowered = raw.lower()
    if lowered in ("true", "false"):
        return Literal("boolean", lowered == "true", "Edm.Boolean")
    if lowered == "null":
        return Literal("null", None, "Edm.Null")
    raise ODataError(400, "BadRequest", f"'{raw}' is not a valid literal.")


def parse_filter(text: str, entity: EntitySet, sample: dict[str, Any] | None) -> list[Comparison]:
    """Comparisons joined by `and`, checked against what the entity has and the sandbox filters."""
    tokens = _tokens(text)
    comparisons: list[Comparison] = []
    index = 0
    while True:
        if index + 3 > len(tokens):
            raise ODataError(400, "BadRequest", f"Syntax error: '{text}' is incomplete.")
        (field_kind, field, _), (op_kind, operator, op_at), (lit_kind, raw, _) = tokens[
            index : index + 3
        ]
        if field_kind != "word" or op_kind != "word" or operator.lower() not in COMPARISONS:
            if field_kind == "punct" or operator in ("(", ")"):
                raise _unsupported(text, "parentheses and functions")
            raise ODataError(
                400, "BadRequest", f"Syntax error at position {op_at + 1} in '{text}'."
            )
        operator = operator.lower()
        comparisons.append(_comparison(field, operator, _literal(lit_kind, raw), entity, sample))
        index += 3
        if index == len(tokens):
            return comparisons
        joiner_kind, joiner, joiner_at = tokens[index]
        if joiner_kind == "word" and joiner.lower() == "or":
            raise _unsupported(text, "'or'")
        if joiner_kind != "word" or joiner.lower() != "and":
            raise ODataError(
                400, "BadRequest", f"Syntax error at position {joiner_at + 1} in '{text}'."
            )
        index += 1


def _unsupported(text: str, what: str) -> ODataError:
    return ODataError(
        400,
        "BadRequest_NotSupported",
        f"This sandbox does not implement {what} in $filter ('{text}'); it filters on "
        "lastModifiedDateTime and with eq on key text properties, joined by 'and'.",
    )


def _comparison(
    field: str,
    operator: str,
    literal: Literal,
    entity: EntitySet,
    sample: dict[str, Any] | None,
) -> Comparison:
    known = sample is None or field in sample
    if not known:
        raise ODataError(
            400,
            "BadRequest",
            f"Could not find a property named '{field}' on type "
            f"'Microsoft.NAV.{entity.type_name}'.",
        )
    operator_name = COMPARISONS[operator][0]
    if field == "lastModifiedDateTime":
        if literal.kind not in ("datetime", "null"):
            raise ODataError(
                400,
                "BadRequest",
                "A binary operator with incompatible types was detected. Found operand types "
                f"'Edm.DateTimeOffset' and '{literal.edm}' for operator kind '{operator_name}'.",
            )
        return Comparison(field, operator, literal)
    if field in KEY_TEXT_FILTERS:
        if literal.kind != "string":
            raise ODataError(
                400,
                "BadRequest",
                "A binary operator with incompatible types was detected. Found operand types "
                f"'Edm.String' and '{literal.edm}' for operator kind '{operator_name}'.",
            )
        if operator != "eq":
            raise _unsupported(f"{field} {operator}", f"'{operator}' on {field}")
        return Comparison(field, operator, literal)
    raise ODataError(
        400,
        "BadRequest_NotSupported",
        f"This sandbox does not filter on '{field}'; it filters on lastModifiedDateTime "
        f"(eq, ne, gt, ge, lt, le) and with eq on {', '.join(sorted(KEY_TEXT_FILTERS))}.",
    )


# --- paging -----------------------------------------------------------------------------------

SUPPORTED_OPTIONS = frozenset({"$filter", "$expand", "$select", "$top", "$skiptoken"})
_MAX_PAGE_PREFERENCE = re.compile(r"odata\.maxpagesize\s*=\s*(\d+)", re.IGNORECASE)


@dataclass(frozen=True)
class Page:
    rows: list[dict[str, Any]]
    next_link: str | None
    applied_max_page_size: int | None


def check_options(request: Request) -> None:
    for name in request.query:
        if name.startswith("$") and name not in SUPPORTED_OPTIONS:
            raise ODataError(
                400,
                "BadRequest_NotSupported",
                f"The query option '{name}' is not implemented by this sandbox; it implements "
                f"{', '.join(sorted(SUPPORTED_OPTIONS))}.",
            )


def encode_skiptoken(key: Sequence[Any]) -> str:
    payload = json.dumps([_jsonable(part) for part in key], separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def decode_skiptoken(token: str) -> list[Any]:
    try:
        padded = token + "=" * (-len(token) % 4)
        key = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, binascii.Error):
        raise ODataError(400, "BadRequest", "The skip token value is not valid.") from None
    if not isinstance(key, list):
        raise ODataError(400, "BadRequest", "The skip token value is not valid.")
    return key


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return format_datetime(value)
    return value


def sort_key(entity: EntitySet) -> Callable[[dict[str, Any]], list[Any]]:
    return lambda record: [_jsonable(record.get(name)) for name in entity.sort_key]


def paginate(
    request: Request, rows: list[dict[str, Any]], entity: EntitySet, server_page_size: int
) -> Page:
    """One server-driven page of `rows` (filtered, in primary-key order) after `$skiptoken`."""
    key = sort_key(entity)
    token = request.arg("$skiptoken")
    if token:
        edge = decode_skiptoken(token)
        rows = [row for row in rows if key(row) > edge]
    size = server_page_size
    applied = None
    preference = _MAX_PAGE_PREFERENCE.search(request.header("Prefer") or "")
    if preference and int(preference.group(1)) >= 1:
        applied = int(preference.group(1))
        size = min(size, applied)
    top = _top(request)
    if top is not None and top <= size:
        return Page(rows[:top], None, applied)
    page = rows[:size]
    next_link = None
    if len(rows) > size:
        remaining_top = None if top is None else top - size
        next_link = _next_link(request, encode_skiptoken(key(page[-1])), remaining_top)
    return Page(page, next_link, applied)


def _top(request: Request) -> int | None:
    raw = request.arg("$top")
    if raw is None:
        return None
    if not raw.isdigit():
        raise ODataError(400, "BadRequest", f"Invalid value '{raw}' for $top query option.")
    return int(raw)


def _next_link(request: Request, token: str, top: int | None) -> str:
    query = [
        (name, value)
        for name, values in request.query.items()
        if name not in ("$skiptoken", "$top")
        for value in values
    ]
    if top is not None:
        query.append(("$top", str(top)))
    query.append(("$skiptoken", token))
    encoded = urlencode(query, quote_via=lambda text, *_: quote(text, safe="$',()"))
    return f"{request.base_url}{request.path}?{encoded}"


# --- $expand and $select ----------------------------------------------------------------------


def parse_expand(request: Request, entity: EntitySet) -> bool:
    raw = request.arg("$expand")
    if raw is None or raw == "":
        return False
    names = [name.strip() for name in raw.split(",")]
    for name in names:
        if "(" in name:
            raise ODataError(
                400,
                "BadRequest_NotSupported",
                f"This sandbox does not implement nested options in $expand ('{raw}').",
            )
        if name != entity.navigation:
            raise ODataError(
                400,
                "BadRequest",
                f"Could not find a property named '{name}' on type "
                f"'Microsoft.NAV.{entity.type_name}'.",
            )
    return True


def parse_select(
    request: Request, entity: EntitySet, sample: dict[str, Any] | None
) -> list[str] | None:
    raw = request.arg("$select")
    if not raw:
        return None
    names = [name.strip() for name in raw.split(",") if name.strip()]
    for name in names:
        if sample is not None and name not in sample:
            raise ODataError(
                400,
                "BadRequest",
                f"Could not find a property named '{name}' on type "
                f"'Microsoft.NAV.{entity.type_name}'.",
            )
    return names


def render(
    record: dict[str, Any],
    version: int,
    entity: EntitySet,
    *,
    expand: bool,
    select: list[str] | None,
) -> dict[str, Any]:
    body: dict[str, Any] = {"@odata.etag": etag(record, version)}
    for name, value in record.items():
        if name == entity.navigation:
            continue
        if select is not None and name not in select:
            continue
        body[name] = value
    if expand and entity.navigation:
        body[entity.navigation] = [
            {"@odata.etag": etag(line, version), **line}
            for line in record.get(entity.navigation, [])
        ]
    return body
