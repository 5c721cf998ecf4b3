"""Errors raised by the Magento source. None of their messages ever carries a token or password."""

from __future__ import annotations

from .settings import ADMIN_CONFIG_HINT, TOKEN_CONFIG_HINT


class MagentoError(Exception):
    """Base class of the Magento source's errors."""


class MagentoApiError(MagentoError):
    """Magento answered with an error status (after retries, for the retryable ones).

    Attributes:
        status: The HTTP status code.
        message: Magento's ``message`` with its ``%1`` / ``%name`` placeholders filled in from
            ``parameters``, or the start of the body when it is not JSON.
        method: The request method.
        path: The request path, e.g. ``/rest/V1/orders``.
    """

    def __init__(self, status: int, message: str, method: str, path: str) -> None:
        self.status = status
        self.message = message
        self.method = method
        self.path = path
        super().__init__(self._describe())

    def _describe(self) -> str:
        detail = self.message or "(no message)"
        return f"Magento answered HTTP {self.status} on {self.method} {self.path}: {detail}"


class MagentoAuthError(MagentoApiError):
    """Magento rejected the credentials (401) or refused them the resource (403)."""

    def __init__(
        self, status: int, message: str, method: str, path: str, *, admin_login: bool
    ) -> None:
        self.admin_login = admin_login
        super().__init__(status, message, method, path)

    def _describe(self) -> str:
        detail = self.message or "(no message)"
        hint = ADMIN_CONFIG_HINT if self.admin_login else TOKEN_CONFIG_HINT
        what = "rejected the admin credentials" if self.admin_login else "rejected the access token"
        text = (
            f"Magento {what} (HTTP {self.status} on {self.method} {self.path}: {detail}). "
            f"Check {hint}."
        )
        if not self.admin_login:
            text += (
                " An integration token is accepted as a Bearer token only when the store "
                "allows it (Stores > Configuration > Services > OAuth > Consumer Settings > "
                "Allow OAuth Access Tokens to be used as standalone Bearer tokens), and only "
                "for the resources the integration was granted."
            )
        return text


class MagentoConnectionError(MagentoError):
    """Magento could not be reached, or kept dropping the connection, through every retry."""


class MagentoResponseError(MagentoError):
    """Magento answered 2xx with a body this source cannot read (not JSON, or not the contract)."""
