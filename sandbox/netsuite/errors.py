"""NetSuite's REST error body: ``type``, ``title``, ``status`` and ``o:errorDetails`` (§1.6)."""

from __future__ import annotations

from collections.abc import Iterable
from http import HTTPStatus

from sandbox.http import Response, json_response

ERROR_CONTENT_TYPE = "application/vnd.oracle.resource+json; type=error; charset=UTF-8"

_TYPES = {
    400: "https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.4.1",
    401: "https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.4.2",
    403: "https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.4.4",
    404: "https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.4.5",
    405: "https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.4.6",
    429: "https://tools.ietf.org/html/rfc6585#section-4",
    500: "https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.5.1",
    503: "https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.5.4",
}

# The error code NetSuite gives a status when nothing more specific applies.
_DEFAULT_CODES = {
    400: "INVALID_PARAMETER",
    401: "INVALID_LOGIN",
    403: "INSUFFICIENT_PERMISSION",
    404: "NONEXISTENT_ID",
    405: "INVALID_REQUEST",
    429: "CONCURRENCY_LIMIT_EXCEEDED",
    500: "UNEXPECTED_ERROR",
    503: "SERVICE_UNAVAILABLE",
}

INVALID_LOGIN_DETAIL = (
    "Invalid login attempt. For more details, see the Login Audit Trail in the NetSuite UI at "
    "Setup > Users/Roles > User Management > View Login Audit Trail."
)
CONCURRENCY_DETAIL = (
    "Concurrent request limit exceeded. Request blocked. The account allows only a limited "
    "number of concurrent web services requests; retry later."
)


def error_response(
    status: int,
    detail: str,
    code: str | None = None,
    *,
    headers: Iterable[tuple[str, str]] = (),
    **extra: str,
) -> Response:
    """A NetSuite error: ``extra`` adds ``o:errorQueryParam``-style keys (``error_query_param``)."""
    entry: dict[str, str] = {
        "detail": detail,
        "o:errorCode": code or _DEFAULT_CODES.get(status, "ERROR"),
    }
    for key, value in extra.items():
        parts = key.split("_")
        entry["o:" + parts[0] + "".join(part.title() for part in parts[1:])] = value
    try:
        title = HTTPStatus(status).phrase
    except ValueError:
        title = "Error"
    response = json_response(
        {
            "type": _TYPES.get(status, _TYPES[500]),
            "title": title,
            "status": status,
            "o:errorDetails": [entry],
        },
        status,
        headers=headers,
    )
    response.headers[0] = ("Content-Type", ERROR_CONTENT_TYPE)
    return response


def error_body(status: int, message: str) -> Response:
    """The shape the shared HTTP core uses for routing errors and injected faults."""
    return error_response(status, message)
