"""BigCommerce's error bodies, which differ by API version.

- V2: a JSON array of `{"status", "message"}` objects.
- V3: one object `{"status", "title", "type", "errors"}` (`errors` maps a field to what is
  wrong with it; empty when the error concerns no field).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from sandbox.http import HTTPError, Response, json_response

ERROR_TYPE_URL = "https://developer.bigcommerce.com/api-docs/getting-started/api-status-codes"
_VERSION = re.compile(r"^/stores/[^/]+/(v2|v3)(/|$)")


class FieldErrors(HTTPError):
    """A V3 422: which query or body fields are wrong, and why."""

    def __init__(self, title: str, errors: dict[str, str], status: int = 422) -> None:
        super().__init__(status, title)
        self.errors = errors


def api_version(path: str) -> str | None:
    match = _VERSION.match(path)
    return match.group(1) if match else None


def v2_error(status: int, message: str, headers: Sequence[tuple[str, str]] = ()) -> Response:
    return json_response([{"status": status, "message": message}], status, headers)


def v3_error(
    status: int,
    title: str,
    errors: dict[str, Any] | None = None,
    headers: Sequence[tuple[str, str]] = (),
) -> Response:
    body = {"status": status, "title": title, "type": ERROR_TYPE_URL, "errors": errors or {}}
    return json_response(body, status, headers)


def error_for(
    path: str, status: int, message: str, errors: dict[str, Any] | None = None
) -> Response:
    """The error body of the API version `path` belongs to (V3's when it belongs to neither)."""
    if api_version(path) == "v2":
        return v2_error(status, message)
    return v3_error(status, message, errors)


def render(path: str, error: HTTPError) -> Response:
    response = error_for(path, error.status, error.message, getattr(error, "errors", None))
    response.headers.extend(error.headers)
    return response
