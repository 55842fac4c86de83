"""A signed HTTP client for the contract: mandatory headers, request signature, bearer token.

`croupier certify`, the sandbox's tests and the docs' worked example all use it, so a
provider's own code can too. It wraps any `httpx.Client` (a Starlette TestClient included).
"""

from __future__ import annotations

import itertools
import json as _json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

from croupier._identity import Identity
from croupier._signing import SIGNATURE_HEADER, sign_request

__all__ = [
    "ALL_SCOPES",
    "SANDBOX_CREDENTIALS",
    "SANDBOX_ED25519_CREDENTIALS",
    "SANDBOX_OTHER_BRAND_CREDENTIALS",
    "SANDBOX_OTHER_PROVIDER_CREDENTIALS",
    "SANDBOX_ROTATION_CREDENTIALS",
    "SANDBOX_SPLIT_CREDENTIALS",
    "ContractClient",
    "Credentials",
    "new_idempotency_key",
    "new_trace_id",
]

ALL_SCOPES = ("sessions:write", "bets:write", "settlements:write", "events:publish")


@dataclass(frozen=True)
class Credentials:
    """Who calls: brand, region, provider, and the keys that sign and fetch tokens.

    `secret` is the HMAC signing secret (without `private_key`) and, unless `client_secret`
    is given, the OAuth2 client secret too. With `private_key` (Ed25519, PEM text) requests are
    signed with Ed25519 under `key_id`. `client_id` and `client_secret` are the OAuth2 client
    when it is not the signing key (default: the key id and `secret`, as for the sandbox's
    first keys; a real platform usually issues them apart).
    """

    key_id: str
    secret: str
    brand: str = "brand_demo"
    region: str = "MT"
    provider: str = "prov_demo"
    client_id: str | None = None
    private_key: str | None = field(default=None, repr=False)
    client_secret: str | None = field(default=None, repr=False)

    @property
    def identity(self) -> Identity:
        """The (provider, brand, region) these credentials speak for."""
        return Identity(self.provider, self.brand, self.region)

    @property
    def oauth_client_id(self) -> str:
        """The client id of the token request."""
        return self.client_id or self.key_id

    @property
    def oauth_client_secret(self) -> str:
        """The client secret of the token request."""
        return self.client_secret or self.secret

    @property
    def signing_key(self) -> str:
        """What `sign_request` signs with: the Ed25519 private key, else the HMAC secret."""
        return self.private_key or self.secret


# The sandbox's published Ed25519 test key (never use it anywhere else): registered in the
# sandbox under key id sbx-ed-2026a for the OAuth2 client sbx-2026a.
_SANDBOX_ED25519_PEM = (
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEIGNyb3VwaWVyLXNhbmRib3gtZWQyNTUxOS0yMDI2YSEh\n"
    "-----END PRIVATE KEY-----\n"
)

# The sandbox's seeded credentials (`croupier serve` prints them). A second key,
# SANDBOX_ROTATION_CREDENTIALS, is active at the same time to exercise key rotation.
SANDBOX_CREDENTIALS = Credentials(key_id="sbx-2026a", secret="sandbox-secret-a")
SANDBOX_ROTATION_CREDENTIALS = Credentials(key_id="sbx-2026b", secret="sandbox-secret-b")
# A second brand and a second provider the sandbox serves, so tenancy can be exercised.
SANDBOX_OTHER_BRAND_CREDENTIALS = Credentials(
    key_id="sbx-other-2026a", secret="sandbox-secret-other", brand="brand_other", region="SE"
)
SANDBOX_OTHER_PROVIDER_CREDENTIALS = Credentials(
    key_id="sbx-prov2-2026a", secret="sandbox-secret-prov2", provider="prov_other"
)
# An OAuth2 client apart from its signing key, as real platforms issue them: the client
# sbx-client-2026a (its own secret) owns the HMAC key sbx-sig-2026a (another secret).
SANDBOX_SPLIT_CREDENTIALS = Credentials(
    key_id="sbx-sig-2026a",
    secret="sandbox-signing-secret-a",
    client_id="sbx-client-2026a",
    client_secret="sandbox-client-secret-a",
)
SANDBOX_ED25519_CREDENTIALS = Credentials(
    key_id="sbx-ed-2026a",
    secret="sandbox-secret-a",
    client_id="sbx-2026a",
    private_key=_SANDBOX_ED25519_PEM,
)

_counter = itertools.count(1)


def new_trace_id() -> str:
    """A fresh trace id that matches the contract's pattern."""
    return f"trc-{uuid.uuid4().hex[:20]}"


def new_idempotency_key(prefix: str = "idem") -> str:
    """A fresh idempotency key that matches the contract's pattern."""
    return f"{prefix}-{uuid.uuid4().hex[:16]}-{next(_counter)}"


@dataclass
class ContractClient:
    """Sends contract calls with the mandatory headers, a signature and a bearer token."""

    http: httpx.Client
    credentials: Credentials = SANDBOX_CREDENTIALS
    scopes: tuple[str, ...] = ALL_SCOPES
    token_path: str = "/oauth/token"
    _token: str | None = field(default=None, repr=False)
    _token_expiry: float = field(default=0.0, repr=False)

    def token(self) -> str:
        """Return a cached bearer token, fetching a new one with client credentials if needed."""
        if self._token is None or time.time() > self._token_expiry - 30:
            response = self.http.post(
                self.token_path,
                data={
                    "grant_type": "client_credentials",
                    "client_id": self.credentials.oauth_client_id,
                    "client_secret": self.credentials.oauth_client_secret,
                    "scope": " ".join(self.scopes),
                },
            )
            response.raise_for_status()
            body = response.json()
            self._token = str(body["access_token"])
            self._token_expiry = time.time() + float(body.get("expires_in", 300))
        return self._token

    def headers(
        self,
        method: str,
        path: str,
        body: bytes,
        *,
        idempotency_key: str | None = None,
        trace_id: str | None = None,
        sign: bool = True,
        bearer: bool = True,
        timestamp: int | None = None,
    ) -> dict[str, str]:
        """Build the headers of one call; callers may drop or overwrite any of them."""
        headers = {"X-Trace-Id": trace_id or new_trace_id(), **self.credentials.identity.headers()}
        if body:
            headers["Content-Type"] = "application/json"
        if idempotency_key is not None:
            headers["X-Idempotency-Key"] = idempotency_key
        if sign:
            creds = self.credentials
            headers[SIGNATURE_HEADER] = sign_request(
                method, path, body, creds.key_id, creds.signing_key, timestamp, headers=headers
            )
        if bearer:
            headers["Authorization"] = f"Bearer {self.token()}"
        return headers

    def call(
        self,
        method: str,
        path: str,
        json: Any = None,
        *,
        content: bytes | None = None,
        idempotency_key: str | None = None,
        auto_key: bool = True,
        trace_id: str | None = None,
        sign: bool = True,
        bearer: bool = True,
        timestamp: int | None = None,
        drop: tuple[str, ...] = (),
        extra: dict[str, str] | None = None,
    ) -> httpx.Response:
        """Send one call; writes get a fresh idempotency key unless given or auto_key is off."""
        method = method.upper()
        if content is None:
            content = b"" if json is None else _json.dumps(json, separators=(",", ":")).encode()
        if idempotency_key is None and auto_key and method != "GET":
            idempotency_key = new_idempotency_key()
        headers = self.headers(
            method,
            path,
            content,
            idempotency_key=idempotency_key,
            trace_id=trace_id,
            sign=sign,
            bearer=bearer,
            timestamp=timestamp,
        )
        for name in drop:
            headers.pop(name, None)
        headers.update(extra or {})
        return self.http.request(method, path, content=content, headers=headers)
