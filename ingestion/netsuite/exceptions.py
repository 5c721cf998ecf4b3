"""Errors raised by the NetSuite source. None of their messages ever carries a secret."""

from __future__ import annotations

from .settings import ACCOUNT_CONFIG_HINT, CREDENTIALS_CONFIG_HINT


class NetSuiteError(Exception):
    """Base class of the NetSuite source's errors."""


class NetSuiteApiError(NetSuiteError):
    """NetSuite answered with an error status (after retries, for the retryable ones).

    Attributes:
        status: The HTTP status code.
        code: The first ``o:errorCode`` of the body, if any.
        detail: The first ``detail`` of the body, or the start of the body when it is not JSON.
        query: The start of the SuiteQL query that failed, when there was one.
    """

    def __init__(self, status: int, code: str | None, detail: str, query: str | None = None):
        self.status = status
        self.code = code
        self.detail = detail
        self.query = query
        super().__init__(self._describe())

    def _describe(self) -> str:
        text = f"NetSuite answered HTTP {self.status}"
        if self.code:
            text += f" {self.code}"
        text += f": {self.detail or '(no detail)'}"
        if self.query:
            text += f" (query: {self.query[:300]})"
        return text


class NetSuiteAuthError(NetSuiteApiError):
    """NetSuite refused the login (401, or 400 for a malformed header) or the permission (403)."""

    def _describe(self) -> str:
        if self.status == 403:
            return (
                f"NetSuite refused the role access (HTTP 403 {self.code or ''}: {self.detail}). "
                "The integration role needs the REST Web Services and SuiteAnalytics Workbook "
                "permissions and view access to the records queried."
            )
        return (
            f"NetSuite refused the login (HTTP {self.status} {self.code or ''}: {self.detail}). "
            f"Check {CREDENTIALS_CONFIG_HINT}, and that {ACCOUNT_CONFIG_HINT} is the account "
            "the token belongs to (the OAuth realm). NetSuite's Login Audit Trail names the cause."
        )


class NetSuiteConnectionError(NetSuiteError):
    """NetSuite could not be reached, or kept refusing or failing, through every retry."""


class NetSuiteResponseError(NetSuiteError):
    """NetSuite answered 2xx with a body this source cannot read."""
