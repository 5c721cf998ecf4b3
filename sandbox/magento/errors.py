"""Magento's Web API error body: ``{"message": "... %1 ...", "parameters": [...]}``.

Placeholders are numbered (``%1``, with a list of parameters) or named (``%fieldName``, with
an object); the client fills them in. Production mode answers unexpected failures with a
report id instead of the exception, which is what the sandbox does for a 500.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from typing import Any

from sandbox.http import HTTPError, Response, json_response

# Texts Magento uses, with their placeholders.
NOT_AUTHORIZED = "The consumer isn't authorized to access %resources."
SIGN_IN_INCORRECT = (
    "The account sign-in was incorrect or your account is disabled temporarily. "
    "Please wait and try again later."
)
REQUIRED_FIELD = '"%fieldName" is required. Enter and try again.'
ENTITY_NOT_FOUND = "The entity that was requested doesn't exist. Verify the entity and try again."
PRODUCT_NOT_FOUND = (
    "The product that was requested doesn't exist. Verify the product and try again."
)
NO_SUCH_ENTITY = "No such entity with %fieldName = %fieldValue"
NO_ROUTE = "Request does not match any route."
MAX_PAGE_SIZE = "Maximum SearchCriteria pageSize is %max"
INVALID_VALUE = (
    'The "%value" value\'s type is invalid. The "%type" type was expected. Verify and try again.'
)
SKUS_NOT_FOUND = "Following products with requested skus were not found: %skus"
NO_SOURCE_ITEMS = "Can't check requested quantity for products without Source Items support."
STORE_NOT_FOUND = "The store that was requested wasn't found. Verify the store and try again."


class MagentoHTTPError(HTTPError):
    """An error answered with Magento's body, parameters included."""

    def __init__(
        self,
        status: int,
        message: str,
        parameters: Sequence[Any] | Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(status, message)
        self.parameters = parameters


def error_response(
    status: int,
    message: str,
    parameters: Sequence[Any] | Mapping[str, Any] | None = None,
) -> Response:
    body: dict[str, Any] = {"message": message}
    if parameters is not None:
        body["parameters"] = parameters if isinstance(parameters, Mapping) else list(parameters)
    return json_response(body, status)


def internal_error() -> Response:
    report = f"webapi-{secrets.token_hex(6)}"
    return error_response(
        500, f"Internal Error. Details are available in Magento log file. Report ID: {report}"
    )


def error_body(status: int, message: str) -> Response:
    """The body for errors raised without parameters (routing, faults, the HTTP core)."""
    if status in (404, 405) and message.startswith(("No resource at", "Method ")):
        return error_response(404, NO_ROUTE)
    if status == 500 and message == "Internal server error":
        return internal_error()
    return error_response(status, message)
