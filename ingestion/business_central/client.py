"""HTTP client for Business Central API v2.0: client-credentials tokens, OData paging, errors.

Tokens come from Microsoft Entra's client-credentials flow and are renewed before they expire;
a 401 from the API (a token revoked or expired early) fetches a new token once and retries.
Retries of 429 (honouring ``Retry-After`` when BC sends it, else exponential backoff), 5xx,
timeouts and dropped connections come from ``dlt.sources.helpers.requests.Client``; what still
fails becomes one of the errors of ``.exceptions``. Collections are read page by page through
``@odata.nextLink``, whose page size is the server's (``Prefer: odata.maxpagesize`` may lower it).
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from dlt.sources.helpers.requests import Client, Response
from requests.exceptions import RequestException

from .exceptions import (
    BusinessCentralApiError,
    BusinessCentralAuthError,
    BusinessCentralConnectionError,
    BusinessCentralResponseError,
    CompanyNotFound,
)
from .settings import (
    API_VERSION_PATH,
    COMPANY_HINT,
    DEFAULT_REQUEST_BACKOFF_FACTOR,
    DEFAULT_REQUEST_MAX_ATTEMPTS,
    DEFAULT_REQUEST_MAX_RETRY_DELAY_SECONDS,
    DEFAULT_REQUEST_TIMEOUT_SECONDS,
    MAX_PAGE_SIZE,
    SCOPE,
    SECRETS_HINT,
    TOKEN_PATH,
    TOKEN_RENEWAL_MARGIN_SECONDS,
)

logger = logging.getLogger("ingestion.business_central")

Page = list[dict[str, Any]]

_REDACTED = "<redacted>"
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def _normalize_url(url: str, what: str) -> str:
    text = (url or "").strip().rstrip("/")
    if not text.startswith(("https://", "http://")):
        raise ValueError(f"Business Central {what} {url!r} is not an http(s) URL")
    return text


class BusinessCentralClient:
    """Authenticated GETs against one Business Central environment.

    Args:
        base_url: API host, ``https://api.businesscentral.dynamics.com`` online.
        login_url: Entra host, ``https://login.microsoftonline.com``; the token endpoint is
            ``<login_url>/<tenant>/oauth2/v2.0/token``.
        tenant: Entra tenant id (or domain) of the environment.
        environment: BC environment name, e.g. ``production``.
        client_id: Application (client) id of the Entra app registration.
        client_secret: The app's client secret value; sent only to the token endpoint.
        page_size: Ask for pages of at most this many entities; None leaves it to the server.
    """

    def __init__(
        self,
        *,
        base_url: str,
        login_url: str,
        tenant: str,
        environment: str,
        client_id: str,
        client_secret: str,
        page_size: int | None = None,
        request_timeout: float = DEFAULT_REQUEST_TIMEOUT_SECONDS,
        max_attempts: int = DEFAULT_REQUEST_MAX_ATTEMPTS,
        backoff_factor: float = DEFAULT_REQUEST_BACKOFF_FACTOR,
        max_retry_delay: float = DEFAULT_REQUEST_MAX_RETRY_DELAY_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        for name, value in (
            ("tenant", tenant),
            ("client_id", client_id),
            ("client_secret", client_secret),
        ):
            if not value or not str(value).strip():
                raise ValueError(f"the Business Central {name} is empty; set {SECRETS_HINT}")
        if not environment or not str(environment).strip():
            raise ValueError("the Business Central environment is empty, e.g. 'production'")
        if page_size is not None and not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must lie in 1..{MAX_PAGE_SIZE}, got {page_size}")
        self.base_url = _normalize_url(base_url, "base_url")
        self.login_url = _normalize_url(login_url, "login_url")
        self.tenant = str(tenant).strip()
        self.environment = str(environment).strip()
        self.page_size = page_size
        self._client_id = str(client_id).strip()
        self._client_secret = str(client_secret)
        self._clock = clock
        self._token: str | None = None
        self._token_expires_at = 0.0
        self._token_lock = threading.Lock()
        self.tokens_fetched = 0
        self._http = Client(
            request_timeout=request_timeout,
            raise_for_status=False,
            request_max_attempts=max_attempts,
            request_backoff_factor=backoff_factor,
            request_max_retry_delay=max_retry_delay,
            respect_retry_after_header=True,
        )

    def __repr__(self) -> str:
        return (
            f"BusinessCentralClient(base_url={self.base_url!r}, tenant={self.tenant!r}, "
            f"environment={self.environment!r})"
        )

    @property
    def environment_root(self) -> str:
        return f"{self.base_url}/v2.0/{quote(self.tenant)}/{quote(self.environment)}"

    def standard_root(self, company_id: str) -> str:
        return f"{self.environment_root}/{API_VERSION_PATH}/companies({company_id})"

    def custom_root(self, api_path: str, company_id: str) -> str:
        return f"{self.environment_root}/api/{api_path.strip('/')}/companies({company_id})"

    def _redact(self, text: str) -> str:
        for secret in (self._client_secret, self._token):
            if secret:
                text = text.replace(secret, _REDACTED)
        return text

    # --- tokens -------------------------------------------------------------------------------

    def access_token(self, *, renew: bool = False) -> str:
        """A live token, fetched when none is held, it is about to expire, or `renew` is set."""
        with self._token_lock:
            fresh = self._token is not None and self._clock() < self._token_expires_at
            if fresh and not renew:
                return self._token  # type: ignore[return-value]
            self._token = self._fetch_token()
            return self._token

    def _fetch_token(self) -> str:
        url = f"{self.login_url}/{quote(self.tenant)}/{TOKEN_PATH}"
        form = {
            "grant_type": "client_credentials",
            "client_id": self._client_id,
            "client_secret": self._client_secret,
            "scope": SCOPE,
        }
        try:
            response = self._http.post(url, data=form, headers={"Accept": "application/json"})
        except RequestException as exc:
            raise BusinessCentralConnectionError(
                f"could not reach the token endpoint at {self.login_url}: "
                f"{self._redact(type(exc).__name__ + ': ' + str(exc))}"
            ) from None
        body = _json_or_none(response)
        if response.status_code >= 400 or not isinstance(body, dict):
            code = str(body.get("error")) if isinstance(body, dict) else "no_json"
            description = body.get("error_description") if isinstance(body, dict) else None
            message = self._redact(str(description or response.text[:200]).strip())
            raise BusinessCentralAuthError(
                response.status_code, code, message, "The Microsoft Entra token endpoint"
            )
        token = body.get("access_token")
        if not isinstance(token, str) or not token:
            raise BusinessCentralResponseError("the token endpoint answered without access_token")
        lifetime = float(body.get("expires_in") or 0)
        # Renew ahead of expiry: two minutes early, or a tenth of a short lifetime.
        margin = min(TOKEN_RENEWAL_MARGIN_SECONDS, lifetime / 10)
        self._token_expires_at = self._clock() + lifetime - margin
        self.tokens_fetched += 1
        logger.debug("fetched a Business Central access token valid for %.0f s", lifetime)
        return token

    # --- requests -----------------------------------------------------------------------------

    def get_json(self, url: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """GET `url` (with `params`, if any) and return the JSON body, decimals as Decimal."""
        if params:
            # OData wants `$` literal and spaces as %20, never `+`.
            url += ("&" if "?" in url else "?") + urlencode(
                params, quote_via=lambda text, *_: quote(str(text), safe="$',()")
            )
        path = urlsplit(url).path
        response = self._get(url, self.access_token())
        if response.status_code == 401:
            # Revoked or expired ahead of time: one fresh token, one more try.
            response = self._get(url, self.access_token(renew=True))
        if response.status_code >= 400:
            self._raise_for_status(response, path)
        try:
            body = json.loads(response.content, parse_float=Decimal)
        except ValueError as exc:
            raise BusinessCentralResponseError(
                f"Business Central answered GET {path} with a body that is not JSON: {exc}"
            ) from None
        if not isinstance(body, dict):
            raise BusinessCentralResponseError(
                f"Business Central answered GET {path} with JSON that is not an object"
            )
        logger.debug("GET %s -> %s", path, response.status_code)
        return body

    def _get(self, url: str, token: str) -> Response:
        headers = {
            "Authorization": f"Bearer {token}",
            "Accept": "application/json",
            "Data-Access-Intent": "ReadOnly",
        }
        if self.page_size is not None:
            headers["Prefer"] = f"odata.maxpagesize={self.page_size}"
        try:
            return self._http.get(url, headers=headers)
        except RequestException as exc:
            raise BusinessCentralConnectionError(
                f"could not get {urlsplit(url).path} from Business Central at {self.base_url}: "
                f"{self._redact(type(exc).__name__ + ': ' + str(exc))}"
            ) from None

    def _raise_for_status(self, response: Response, path: str) -> None:
        code, message = _odata_error(response)
        message = self._redact(message)
        if response.status_code in (401, 403):
            raise BusinessCentralAuthError(response.status_code, code, message, "Business Central")
        raise BusinessCentralApiError(response.status_code, code, message, path)

    def pages(self, url: str, params: Mapping[str, Any] | None = None) -> Iterator[Page]:
        """Every page of a collection, following `@odata.nextLink` until there is none."""
        seen: set[str] = set()
        body = self.get_json(url, params)
        while True:
            value = body.get("value")
            if not isinstance(value, list):
                raise BusinessCentralResponseError(
                    f"Business Central answered GET {urlsplit(url).path} without a `value` list"
                )
            if value:
                yield value
            next_link = body.get("@odata.nextLink")
            if not next_link:
                return
            if next_link in seen:
                raise BusinessCentralResponseError(
                    f"Business Central returned the same @odata.nextLink twice: {next_link}"
                )
            seen.add(next_link)
            # The link repeats every option of the first request; nothing is added to it.
            body = self.get_json(str(next_link))

    # --- companies ----------------------------------------------------------------------------

    def company_id(self, company: str) -> str:
        """The id of the company named `company` (or `company` itself when it is a GUID)."""
        wanted = (company or "").strip()
        if not wanted:
            raise ValueError(f"the Business Central company is empty; set {COMPANY_HINT}")
        if _GUID.match(wanted):
            return wanted.lower()
        companies = [row for page in self.pages(self.companies_url) for row in page]
        for row in companies:
            if wanted in (row.get("name"), row.get("displayName")):
                return str(row["id"])
        names = ", ".join(sorted(repr(row.get("name")) for row in companies)) or "none"
        raise CompanyNotFound(
            f"no company named {wanted!r} in environment {self.environment!r}; "
            f"the environment has: {names}. Check {COMPANY_HINT}."
        )

    @property
    def companies_url(self) -> str:
        return f"{self.environment_root}/{API_VERSION_PATH}/companies"


def _json_or_none(response: Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _odata_error(response: Response) -> tuple[str, str]:
    body = _json_or_none(response)
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        error = body["error"]
        return str(error.get("code") or "unknown"), str(error.get("message") or "")
    return "unknown", response.text[:200].strip()
