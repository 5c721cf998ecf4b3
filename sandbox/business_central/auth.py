"""A sandboxed Microsoft Entra token endpoint (client credentials) and the API's bearer check.

Real: ``POST https://login.microsoftonline.com/<tenant>/oauth2/v2.0/token`` with the form
fields ``grant_type=client_credentials``, ``client_id``, ``client_secret`` and
``scope=https://api.businesscentral.dynamics.com/.default``; the answer is
``{"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": ...}``.
Refusals follow OAuth 2.0 (RFC 6749 §5.2) as Entra words them: ``{"error", "error_description",
"error_codes", "timestamp", "trace_id", "correlation_id"}``; a wrong secret is 401
``invalid_client``. Here the endpoint is served at ``<sandbox>/<tenant>/oauth2/v2.0/token``.

Tokens are opaque, bound to the tenant and expire after the configured lifetime; the API
answers an expired or unknown token with 401 and ``WWW-Authenticate: Bearer ... error=
"invalid_token"``, so a client knows to fetch a new one.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qs

from sandbox.business_central.config import BC_SCOPE, SandboxConfig
from sandbox.business_central.odata import ODataError
from sandbox.http import Request, Response, json_response

TOKEN_PATH = "/{tenant}/oauth2/v2.0/token"


@dataclass(frozen=True)
class IssuedToken:
    tenant: str
    expires_at: float


class TokenIssuer:
    def __init__(self, config: SandboxConfig, clock: Callable[[], float] = time.monotonic):
        self.config = config
        self._clock = clock
        self._tokens: dict[str, IssuedToken] = {}
        self._lock = threading.Lock()
        self.issued = 0

    # --- the token endpoint -------------------------------------------------------------------

    def token(self, request: Request) -> Response:
        tenant = request.path_params["tenant"]
        content_type = (request.header("Content-Type") or "").lower()
        if not content_type.startswith("application/x-www-form-urlencoded"):
            return _oauth_error(
                400,
                "invalid_request",
                900144,
                "The request body must contain the following parameter: 'grant_type'.",
            )
        form = {
            key: values[0]
            for key, values in parse_qs(request.body.decode("utf-8", "replace")).items()
        }
        for field in ("grant_type", "client_id", "scope"):
            if not form.get(field):
                return _oauth_error(
                    400,
                    "invalid_request",
                    900144,
                    f"The request body must contain the following parameter: '{field}'.",
                )
        if tenant != self.config.tenant_id:
            return _oauth_error(400, "invalid_request", 90002, f"Tenant '{tenant}' not found.")
        if form["grant_type"] != "client_credentials":
            return _oauth_error(
                400,
                "unsupported_grant_type",
                70003,
                "The app requested an unsupported grant type "
                f"'{form['grant_type']}'; this endpoint issues client_credentials tokens.",
            )
        if form["client_id"] != self.config.client_id:
            return _oauth_error(
                400,
                "unauthorized_client",
                700016,
                f"Application with identifier '{form['client_id']}' was not found in the "
                f"directory '{tenant}'.",
            )
        secret = form.get("client_secret") or ""
        if not hmac.compare_digest(secret.encode(), self.config.client_secret.encode()):
            # Never echo what was sent.
            return _oauth_error(
                401,
                "invalid_client",
                7000215,
                "Invalid client secret provided. Ensure the secret being sent in the request "
                "is the client secret value, not the client secret ID, for a secret added to "
                f"app '{self.config.client_id}'.",
            )
        if form["scope"] != BC_SCOPE:
            return _oauth_error(
                400,
                "invalid_scope",
                1002012,
                f"The provided value for scope {form['scope']} is not valid. Client credential "
                "flows must have a scope value with /.default suffixed to the resource "
                f"identifier (application ID URI); Business Central's is {BC_SCOPE}.",
            )
        access_token = secrets.token_urlsafe(32)
        lifetime = self.config.token_lifetime_seconds
        with self._lock:
            self._tokens[access_token] = IssuedToken(tenant, self._clock() + lifetime)
            self.issued += 1
        return json_response(
            {
                "token_type": "Bearer",
                "expires_in": lifetime,
                "ext_expires_in": lifetime,
                "access_token": access_token,
            }
        )

    def revoke_all(self) -> None:
        """Invalidate every token issued so far, as a secret rotation or a revoked consent does."""
        with self._lock:
            self._tokens.clear()

    # --- the API's bearer check ---------------------------------------------------------------

    def check(self, request: Request, tenant: str) -> None:
        """Raise 401 unless the request carries a live token issued for `tenant`."""
        header = request.header("Authorization") or ""
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise self._unauthorized(tenant, "The request has no Bearer access token.")
        with self._lock:
            issued = self._tokens.get(token.strip())
        if issued is None:
            raise self._unauthorized(tenant, "The access token is not valid.")
        if issued.expires_at <= self._clock():
            raise self._unauthorized(tenant, "The access token has expired.")
        if issued.tenant != tenant:
            raise self._unauthorized(
                tenant, "The access token was issued for another tenant than the one requested."
            )

    def _unauthorized(self, tenant: str, message: str) -> ODataError:
        challenge = (
            f'Bearer authorization_uri="https://login.microsoftonline.com/{tenant}/oauth2/'
            f'authorize", error="invalid_token", error_description="{message}"'
        )
        return ODataError(
            401, "Authentication_InvalidCredentials", message, [("WWW-Authenticate", challenge)]
        )


def _oauth_error(status: int, error: str, aadsts: int, description: str) -> Response:
    trace = str(uuid.uuid4())
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%SZ")
    return json_response(
        {
            "error": error,
            "error_description": f"AADSTS{aadsts}: {description} Trace ID: {trace} "
            f"Correlation ID: {trace} Timestamp: {now}",
            "error_codes": [aadsts],
            "timestamp": now,
            "trace_id": trace,
            "correlation_id": trace,
            "error_uri": f"https://login.microsoftonline.com/error?code={aadsts}",
        },
        status,
    )
