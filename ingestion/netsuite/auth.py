"""Signing requests for NetSuite: token-based authentication (OAuth 1.0a) or an OAuth 2.0 token.

TBA signs each request with HMAC-SHA256 over the RFC 5849 signature base string (method, URL
without its query, every query and OAuth parameter percent-encoded and sorted), keyed with
``consumer_secret&token_secret``; the account id is the ``realm`` (erp-apis.md §1.2). A retry is
a new request: it gets a fresh nonce and timestamp, since NetSuite refuses a nonce seen before.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Callable, Iterable
from urllib.parse import parse_qsl, quote, urlsplit


def percent_encode(text: str) -> str:
    """RFC 5849 3.6: unreserved characters as they are, every other byte as %XX."""
    return quote(text, safe="-._~")


def signature_base_string(
    method: str,
    url: str,
    oauth_params: dict[str, str],
    extra_params: Iterable[tuple[str, str]] = (),
) -> str:
    """The RFC 5849 3.4.1 signature base string of a request.

    ``extra_params`` are parameters from a form-encoded body (none for SuiteQL's JSON body).
    """
    parts = urlsplit(url)
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    default_port = {"http": 80, "https": 443}.get(scheme)
    authority = host if parts.port in (None, default_port) else f"{host}:{parts.port}"
    base_uri = f"{scheme}://{authority}{parts.path or '/'}"
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    pairs += list(extra_params)
    pairs += [
        (name, value)
        for name, value in oauth_params.items()
        if name not in ("realm", "oauth_signature")
    ]
    normalized = "&".join(
        f"{name}={value}"
        for name, value in sorted((percent_encode(n), percent_encode(v)) for n, v in pairs)
    )
    return "&".join(
        (percent_encode(method.upper()), percent_encode(base_uri), percent_encode(normalized))
    )


class TokenAuth:
    """Token-based authentication: an OAuth 1.0a ``Authorization`` header per request."""

    def __init__(
        self,
        account_id: str,
        consumer_key: str,
        consumer_secret: str,
        token_id: str,
        token_secret: str,
        *,
        clock: Callable[[], float] = time.time,
        nonce: Callable[[], str] = lambda: secrets.token_hex(16),
    ) -> None:
        self.account_id = account_id
        self._consumer_key = consumer_key
        self._consumer_secret = consumer_secret
        self._token_id = token_id
        self._token_secret = token_secret
        self._clock = clock
        self._nonce = nonce

    def __repr__(self) -> str:
        return f"TokenAuth(account_id={self.account_id!r})"

    @property
    def secrets(self) -> tuple[str, ...]:
        return (self._consumer_key, self._consumer_secret, self._token_id, self._token_secret)

    def header(self, method: str, url: str) -> str:
        params = {
            "oauth_consumer_key": self._consumer_key,
            "oauth_token": self._token_id,
            "oauth_nonce": self._nonce(),
            "oauth_timestamp": str(int(self._clock())),
            "oauth_signature_method": "HMAC-SHA256",
            "oauth_version": "1.0",
        }
        key = f"{percent_encode(self._consumer_secret)}&{percent_encode(self._token_secret)}"
        digest = hmac.new(
            key.encode(), signature_base_string(method, url, params).encode(), hashlib.sha256
        ).digest()
        params["oauth_signature"] = base64.b64encode(digest).decode()
        fields = [f'realm="{percent_encode(self.account_id)}"'] + [
            f'{name}="{percent_encode(value)}"' for name, value in params.items()
        ]
        return "OAuth " + ", ".join(fields)


class BearerAuth:
    """An OAuth 2.0 access token (obtained elsewhere, e.g. by the client-credentials flow)."""

    def __init__(self, access_token: str) -> None:
        self._token = access_token

    def __repr__(self) -> str:
        return "BearerAuth()"

    @property
    def secrets(self) -> tuple[str, ...]:
        return (self._token,)

    def header(self, method: str, url: str) -> str:
        return f"Bearer {self._token}"
