"""Checking NetSuite credentials: token-based authentication (OAuth 1.0a) or an OAuth 2.0 token.

TBA (erp-apis.md §1.2): ``Authorization: OAuth realm="<account>", oauth_consumer_key,
oauth_token, oauth_nonce, oauth_timestamp, oauth_signature_method="HMAC-SHA256",
oauth_version="1.0", oauth_signature``. The signature is HMAC-SHA256, keyed with
``consumer_secret&token_secret``, over the RFC 5849 signature base string: the method, the URL
without its query, and every query and OAuth parameter, each percent-encoded and sorted.

Written on the server's side from RFC 5849 on its own, without the client's signing code, so a
client that signs wrongly is turned away here as NetSuite would turn it away.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import threading
import time
from collections import deque
from dataclasses import dataclass
from urllib.parse import quote, unquote, urlsplit

from sandbox.http import Request

# NetSuite refuses a timestamp too far from its clock and a nonce it has already seen.
TIMESTAMP_TOLERANCE_SECONDS = 300

_PARAM = re.compile(r'\s*([A-Za-z0-9_]+)\s*=\s*"([^"]*)"\s*')


@dataclass(frozen=True)
class Credentials:
    account_id: str
    consumer_key: str
    consumer_secret: str
    token_id: str
    token_secret: str
    # OAuth 2.0 access token, accepted as a bearer token when set.
    access_token: str | None = None


class AuthFailure(Exception):
    """Why a request was turned away; kept for the login audit trail, never sent to the client.

    ``status`` is 400 for a malformed Authorization header and 401 for a failed login.
    """

    def __init__(self, reason: str, status: int = 401) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


def _encode(text: str) -> str:
    # RFC 5849 3.6: unreserved characters stay, everything else is %XX in upper case.
    return quote(text, safe="-._~")


def parse_oauth_header(value: str) -> dict[str, str]:
    if not value[:6].lower() == "oauth ":
        raise AuthFailure("the Authorization header is not an OAuth header", 400)
    params: dict[str, str] = {}
    for part in value[6:].split(","):
        if not part.strip():
            continue
        match = _PARAM.fullmatch(part)
        if match is None:
            raise AuthFailure(f"malformed OAuth parameter {part.strip()[:40]!r}", 400)
        params[match.group(1)] = unquote(match.group(2))
    return params


def base_string(request: Request, oauth_params: dict[str, str]) -> str:
    url = urlsplit(request.base_url)
    scheme, host = url.scheme.lower(), (url.hostname or "").lower()
    default_port = {"http": 80, "https": 443}.get(scheme)
    authority = host if url.port in (None, default_port) else f"{host}:{url.port}"
    pairs = [
        (_encode(name), _encode(value))
        for name, values in request.query.items()
        for value in values
    ]
    pairs += [
        (_encode(name), _encode(value))
        for name, value in oauth_params.items()
        if name not in ("realm", "oauth_signature")
    ]
    normalized = "&".join(f"{name}={value}" for name, value in sorted(pairs))
    return "&".join(
        (
            _encode(request.method.upper()),
            _encode(f"{scheme}://{authority}{request.path}"),
            _encode(normalized),
        )
    )


class Authenticator:
    """Accepts a request signed with the account's token, or carrying its OAuth 2.0 token."""

    def __init__(self, credentials: Credentials, clock=time.time) -> None:
        self.credentials = credentials
        self._clock = clock
        self._nonces: deque[tuple[float, str]] = deque()
        self._seen: set[str] = set()
        self._lock = threading.Lock()

    def check(self, request: Request) -> str:
        """The method that succeeded ("tba" or "oauth2"); raises AuthFailure otherwise."""
        header = request.header("Authorization")
        if not header:
            raise AuthFailure("no Authorization header", 401)
        if header[:7].lower() == "bearer ":
            return self._check_bearer(header[7:].strip())
        return self._check_tba(request, parse_oauth_header(header))

    def _check_bearer(self, token: str) -> str:
        expected = self.credentials.access_token
        if not expected or not hmac.compare_digest(token.encode(), expected.encode()):
            raise AuthFailure("unknown or expired OAuth 2.0 access token")
        return "oauth2"

    def _check_tba(self, request: Request, params: dict[str, str]) -> str:
        creds = self.credentials
        missing = [
            name
            for name in (
                "oauth_consumer_key",
                "oauth_token",
                "oauth_nonce",
                "oauth_timestamp",
                "oauth_signature_method",
                "oauth_signature",
            )
            if not params.get(name)
        ]
        if missing:
            raise AuthFailure(f"OAuth header lacks {', '.join(missing)}", 400)
        if params.get("realm") != creds.account_id:
            raise AuthFailure(f"realm {params.get('realm')!r} is not this account")
        if params["oauth_signature_method"] != "HMAC-SHA256":
            raise AuthFailure(
                f"signature method {params['oauth_signature_method']} is not supported; "
                "use HMAC-SHA256"
            )
        if params.get("oauth_version", "1.0") != "1.0":
            raise AuthFailure(f"oauth_version {params['oauth_version']} is not 1.0")
        if not hmac.compare_digest(params["oauth_consumer_key"], creds.consumer_key):
            raise AuthFailure("unknown consumer key")
        if not hmac.compare_digest(params["oauth_token"], creds.token_id):
            raise AuthFailure("unknown token id")
        try:
            stamp = int(params["oauth_timestamp"])
        except ValueError:
            raise AuthFailure("oauth_timestamp is not a number", 400) from None
        now = self._clock()
        if abs(now - stamp) > TIMESTAMP_TOLERANCE_SECONDS:
            raise AuthFailure("oauth_timestamp is too far from the server clock")
        key = f"{_encode(creds.consumer_secret)}&{_encode(creds.token_secret)}"
        digest = hmac.new(
            key.encode(), base_string(request, params).encode(), hashlib.sha256
        ).digest()
        expected = base64.b64encode(digest).decode()
        if not hmac.compare_digest(params["oauth_signature"], expected):
            raise AuthFailure("signature does not match the request")
        self._remember_nonce(params["oauth_nonce"], now)
        return "tba"

    def _remember_nonce(self, nonce: str, now: float) -> None:
        with self._lock:
            while self._nonces and now - self._nonces[0][0] > 2 * TIMESTAMP_TOLERANCE_SECONDS:
                self._seen.discard(self._nonces.popleft()[1])
            if nonce in self._seen:
                raise AuthFailure("nonce already used")
            self._seen.add(nonce)
            self._nonces.append((now, nonce))
