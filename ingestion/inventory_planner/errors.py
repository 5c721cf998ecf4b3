"""Errors raised by the Inventory Planner source. None of their messages carries a credential."""

from __future__ import annotations

from .settings import BASE_URL_CONFIG_HINT, CREDENTIALS_CONFIG_HINT


class InventoryPlannerError(Exception):
    """Base class of the Inventory Planner source's errors."""


class InventoryPlannerApiError(InventoryPlannerError):
    """Inventory Planner answered with an error (after retries, for the retryable ones).

    Attributes:
        status: The HTTP status code.
        message: The `result.message` of the error body, or the start of a body without one.
        path: The request path, e.g. `/api/v1/variants`.
    """

    def __init__(self, status: int, message: str, path: str) -> None:
        self.status = status
        self.message = message
        self.path = path
        super().__init__(self._describe())

    def _describe(self) -> str:
        detail = self.message or "(no message)"
        text = f"Inventory Planner answered HTTP {self.status} on GET {self.path}: {detail}"
        if self.status == 403:
            text += (
                ". An HTML 403 comes from the CDN in front of the API: "
                f"check {BASE_URL_CONFIG_HINT} (only /api/v1 is served)."
            )
        return text


class InventoryPlannerAuthError(InventoryPlannerApiError):
    """Inventory Planner rejected the API key (401) or refused it the account (403)."""

    def _describe(self) -> str:
        what = "rejected the API key" if self.status == 401 else "refused the API key this account"
        detail = self.message or "(no message)"
        return (
            f"Inventory Planner {what} (HTTP {self.status} on GET {self.path}: {detail}). "
            f"Check {CREDENTIALS_CONFIG_HINT}. The key must belong to a user with full account "
            "access."
        )


class InventoryPlannerConnectionError(InventoryPlannerError):
    """Inventory Planner could not be reached, or dropped the connection, through every retry."""


class InventoryPlannerResponseError(InventoryPlannerError):
    """Inventory Planner answered 2xx with a body this source cannot read."""
