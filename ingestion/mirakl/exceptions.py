"""Errors raised by the Mirakl source. None of their messages ever carries the API key."""

from __future__ import annotations

from .settings import API_KEY_CONFIG_HINT, SHOP_ID_CONFIG_HINT


class MiraklError(Exception):
    """Base class of the Mirakl source's errors."""


class MiraklApiError(MiraklError):
    """Mirakl answered with an error status (after retries, for the retryable ones).

    Attributes:
        status: The HTTP status code.
        message: Mirakl's JSON `message`, or the start of the body when it is not JSON.
        path: The request path, e.g. `/api/orders`.
    """

    def __init__(self, status: int, message: str, path: str) -> None:
        self.status = status
        self.message = message
        self.path = path
        super().__init__(self._describe())

    def _describe(self) -> str:
        detail = self.message or "(no message)"
        return f"Mirakl answered HTTP {self.status} on GET {self.path}: {detail}"


class MiraklAuthError(MiraklApiError):
    """Mirakl rejected the API key (401) or refused it access (403)."""

    def _describe(self) -> str:
        what = "rejected the API key" if self.status == 401 else "refused the API key access"
        detail = self.message or "(no message)"
        text = (
            f"Mirakl {what} (HTTP {self.status} on GET {self.path}: {detail}). "
            f"Check {API_KEY_CONFIG_HINT}."
        )
        if self.status == 403:
            text += (
                f" A 403 can also mean the key's user lacks the role this call needs, or that "
                f"the shop is not one of the user's: check {SHOP_ID_CONFIG_HINT}."
            )
        return text


class MiraklConnectionError(MiraklError):
    """Mirakl could not be reached, or kept dropping the connection, through every retry."""


class MiraklResponseError(MiraklError):
    """Mirakl answered 2xx with a body this source cannot read (not JSON, or not the contract)."""
