"""Errors raised by the BigCommerce source. None of their messages ever carries the token."""

from __future__ import annotations

from .settings import STORE_HASH_CONFIG_HINT, TOKEN_CONFIG_HINT


class BigCommerceError(Exception):
    """Base class of the BigCommerce source's errors."""


class BigCommerceApiError(BigCommerceError):
    """BigCommerce answered with an error status (after retries, for the retryable ones)."""

    def __init__(self, status: int, message: str, path: str) -> None:
        self.status = status
        self.message = message
        self.path = path
        super().__init__(self._describe())

    def _describe(self) -> str:
        detail = self.message or "(no message)"
        return f"BigCommerce answered HTTP {self.status} on GET {self.path}: {detail}"


class BigCommerceAuthError(BigCommerceApiError):
    """BigCommerce rejected the token (401) or refused it the call's scope (403)."""

    def _describe(self) -> str:
        if self.status == 401:
            what = "rejected the API account token"
            advice = f"Check {TOKEN_CONFIG_HINT}, and that {STORE_HASH_CONFIG_HINT} is its store."
        else:
            what = "refused the API account token access"
            advice = (
                "The API account lacks a scope this call needs (orders, products, "
                "inventory and transactions read-only are enough)."
            )
        return (
            f"BigCommerce {what} (HTTP {self.status} on GET {self.path}: "
            f"{self.message or '(no message)'}). {advice}"
        )


class BigCommerceConnectionError(BigCommerceError):
    """BigCommerce could not be reached, or kept failing, through every retry."""


class BigCommerceResponseError(BigCommerceError):
    """BigCommerce answered 2xx with a body this source cannot read."""
