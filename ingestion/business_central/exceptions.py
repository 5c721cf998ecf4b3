"""Errors raised by the Business Central source. None of their messages carries a secret."""

from __future__ import annotations

from .settings import COMPANY_HINT, CUSTOM_API_HINT, ENVIRONMENT_HINT, SECRETS_HINT


class BusinessCentralError(Exception):
    """Base class of the Business Central source's errors."""


class BusinessCentralAuthError(BusinessCentralError):
    """Entra refused the client credentials, or Business Central refused the token.

    Attributes:
        status: The HTTP status code.
        code: Entra's ``error`` (e.g. ``invalid_client``) or BC's error code.
        message: The description that came with it, secrets removed.
    """

    def __init__(self, status: int, code: str, message: str, where: str) -> None:
        self.status = status
        self.code = code
        self.message = message
        super().__init__(
            f"{where} refused the credentials (HTTP {status}, {code}): {message} "
            f"Check {SECRETS_HINT}; the app must be registered on the BC page "
            "'Microsoft Entra Applications' with permissions to the API."
        )


class BusinessCentralApiError(BusinessCentralError):
    """Business Central answered with an error status (after retries, for the retryable ones).

    Attributes:
        status: The HTTP status code.
        code: The ``error.code`` of the OData envelope, e.g. ``BadRequest_NotFound``.
        message: The ``error.message``, or the start of the body when it is not the envelope.
        path: The request path.
    """

    def __init__(self, status: int, code: str, message: str, path: str) -> None:
        self.status = status
        self.code = code
        self.message = message
        self.path = path
        super().__init__(self._describe())

    def _describe(self) -> str:
        text = f"Business Central answered HTTP {self.status} ({self.code}) on GET {self.path}: "
        text += self.message or "(no message)"
        if self.code == "Internal_CompanyNotFound":
            text += f" Check {COMPANY_HINT}."
        elif self.status == 404 and "/api/v2.0/" not in self.path:
            text += f" Is the marketplace extension installed? Check {CUSTOM_API_HINT}."
        elif self.status == 404:
            text += f" Check {ENVIRONMENT_HINT}."
        return text


class BusinessCentralConnectionError(BusinessCentralError):
    """Business Central or Entra could not be reached through every retry."""


class BusinessCentralResponseError(BusinessCentralError):
    """A 2xx answer this source cannot read (not JSON, not an OData collection, a paging loop)."""


class CompanyNotFound(BusinessCentralError):
    """No company of the environment has the configured name or id."""
