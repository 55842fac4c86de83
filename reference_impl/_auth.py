"""Who may call: the sandbox's brands, OAuth2 clients and signing keys, and their bindings.

A key belongs to one OAuth2 client and grants one provider, one brand and a set of that
brand's regions. A verified request whose X-Provider-Id or X-Brand-Id names another is
`403 TENANT_MISMATCH`; an X-Region outside the grant is `403 REGION_NOT_ALLOWED`. A bearer
token is usable only with a key of the client it was issued to.
"""

from __future__ import annotations

import base64
import binascii
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from croupier import (
    COVERED_HEADERS,
    SANDBOX_CREDENTIALS,
    SANDBOX_ED25519_CREDENTIALS,
    SANDBOX_OTHER_BRAND_CREDENTIALS,
    SANDBOX_OTHER_PROVIDER_CREDENTIALS,
    SANDBOX_ROTATION_CREDENTIALS,
    SANDBOX_SPLIT_CREDENTIALS,
    SIGNATURE_HEADER,
    Credentials,
    Identity,
    VerificationKey,
    verify_signature,
)
from croupier.reference_impl._domain import DomainError

__all__ = [
    "BRANDS",
    "CLIENTS",
    "OTHER_BRAND_CREDENTIALS",
    "OTHER_PROVIDER_CREDENTIALS",
    "SANDBOX_ED25519_PUBLIC_PEM",
    "Authenticator",
    "ControlGuard",
    "Grant",
    "SandboxKey",
    "client_cert_provider",
    "duplicated_header",
]

SCOPES = ("sessions:write", "bets:write", "settlements:write", "events:publish")

# brand -> the regions it is licensed in (X-Region must be one of them).
BRANDS: dict[str, tuple[str, ...]] = {
    "brand_demo": ("MT", "GB"),
    "brand_other": ("SE",),
}

# A second brand and a second provider, so tenancy can be exercised (published in croupier).
OTHER_BRAND_CREDENTIALS = SANDBOX_OTHER_BRAND_CREDENTIALS
OTHER_PROVIDER_CREDENTIALS = SANDBOX_OTHER_PROVIDER_CREDENTIALS

SANDBOX_ED25519_PUBLIC_PEM = (
    "-----BEGIN PUBLIC KEY-----\n"
    "MCowBQYDK2VwAyEAX+Z9IXCyOw1nzRbXgcwbYID68I1soxFz/EY+GeDhvGk=\n"
    "-----END PUBLIC KEY-----\n"
)


@dataclass(frozen=True)
class Grant:
    """What a key may speak for: one provider, one brand, some of the brand's regions."""

    provider: str
    brand: str
    regions: frozenset[str]

    def check(self, identity: Identity) -> None:
        """Raise TENANT_MISMATCH or REGION_NOT_ALLOWED unless the grant covers the identity."""
        if identity.provider != self.provider or identity.brand != self.brand:
            raise DomainError(
                "TENANT_MISMATCH",
                "the signing key is bound to another provider or brand than X-Provider-Id "
                "and X-Brand-Id name",
                {"provider": identity.provider, "brand": identity.brand},
            )
        if identity.region not in self.regions:
            raise DomainError(
                "REGION_NOT_ALLOWED",
                f"region {identity.region} is not one of the regions this key may serve",
                {"region": identity.region, "allowed": sorted(self.regions)},
            )


@dataclass(frozen=True)
class SandboxKey:
    """A signing key, the client that owns it and its grant."""

    client_id: str
    grant: Grant
    verification: VerificationKey


@dataclass(frozen=True)
class Client:
    """An OAuth2 client: its secret and the scopes it may ask for."""

    secret: str
    scopes: tuple[str, ...]


def _grant(creds: Credentials, regions: Iterable[str] | None = None) -> Grant:
    return Grant(creds.provider, creds.brand, frozenset(regions or BRANDS[creds.brand]))


def _hmac_key(creds: Credentials, regions: Iterable[str] | None = None) -> SandboxKey:
    return SandboxKey(
        creds.oauth_client_id,
        _grant(creds, regions),
        VerificationKey(creds.key_id, "hmac-sha256", creds.secret),
    )


_KEYS: dict[str, SandboxKey] = {
    SANDBOX_CREDENTIALS.key_id: _hmac_key(SANDBOX_CREDENTIALS),
    SANDBOX_ROTATION_CREDENTIALS.key_id: _hmac_key(SANDBOX_ROTATION_CREDENTIALS),
    SANDBOX_ED25519_CREDENTIALS.key_id: SandboxKey(
        SANDBOX_ED25519_CREDENTIALS.oauth_client_id,
        _grant(SANDBOX_ED25519_CREDENTIALS),
        VerificationKey(SANDBOX_ED25519_CREDENTIALS.key_id, "ed25519", SANDBOX_ED25519_PUBLIC_PEM),
    ),
    SANDBOX_SPLIT_CREDENTIALS.key_id: _hmac_key(SANDBOX_SPLIT_CREDENTIALS),
    OTHER_BRAND_CREDENTIALS.key_id: _hmac_key(OTHER_BRAND_CREDENTIALS),
    OTHER_PROVIDER_CREDENTIALS.key_id: _hmac_key(OTHER_PROVIDER_CREDENTIALS, ("MT",)),
}

# client id -> (secret, scopes). Most share their id and secret with their HMAC key;
# sbx-client-2026a has a secret of its own, apart from its key sbx-sig-2026a's.
CLIENTS: dict[str, tuple[str, tuple[str, ...]]] = {
    creds.oauth_client_id: (creds.oauth_client_secret, SCOPES)
    for creds in (
        SANDBOX_CREDENTIALS,
        SANDBOX_ROTATION_CREDENTIALS,
        SANDBOX_SPLIT_CREDENTIALS,
        OTHER_BRAND_CREDENTIALS,
        OTHER_PROVIDER_CREDENTIALS,
    )
}


class Authenticator:
    """Verifies signatures against the registered keys and checks their bindings."""

    def __init__(
        self,
        legacy_keys: Iterable[str] = (),
        extra_keys: Mapping[str, SandboxKey] | None = None,
    ) -> None:
        keys = {**_KEYS, **(extra_keys or {})}
        legacy = set(legacy_keys)
        unknown = legacy - set(keys)
        if unknown:
            raise ValueError(f"no such key id to accept legacy signatures for: {sorted(unknown)}")
        self.keys = {
            kid: SandboxKey(
                k.client_id,
                k.grant,
                VerificationKey(
                    kid, k.verification.algorithm, k.verification.material, kid in legacy
                ),
            )
            for kid, k in keys.items()
        }
        self._verification = {kid: k.verification for kid, k in self.keys.items()}

    @property
    def legacy_keys(self) -> list[str]:
        """Key ids that still accept the 1.0 signature scheme."""
        return sorted(kid for kid, k in self.keys.items() if k.verification.legacy)

    def verify(
        self,
        header: str | None,
        method: str,
        target: str,
        body: bytes,
        headers: Iterable[tuple[str, str]],
    ) -> SandboxKey:
        """The key that signed this request; SignatureError when none did."""
        key_id = verify_signature(header, method, target, body, headers, self._verification)
        return self.keys[key_id]

    @staticmethod
    def check_token(token_client: str, key: SandboxKey) -> None:
        """A token works only with a key of the client it was issued to."""
        if token_client != key.client_id:
            raise DomainError(
                "INVALID_TOKEN", "the bearer token was issued to another client than the key's"
            )


# Headers whose value decides who calls: sent twice, which one was meant is ambiguous.
_SINGLE = {h.lower(): h for h in (*COVERED_HEADERS, SIGNATURE_HEADER, "Authorization")}


def duplicated_header(headers: Iterable[tuple[str, str]]) -> str | None:
    """The first identity-bearing header (covered, X-Signature, Authorization) sent twice."""
    seen: set[str] = set()
    for name, _ in headers:
        lower = name.lower()
        if lower in _SINGLE:
            if lower in seen:
                return _SINGLE[lower]
            seen.add(lower)
    return None


@dataclass(frozen=True)
class ControlGuard:
    """Who may use the sandbox control surface: anyone (local use), a token holder, or nobody.

    The OAuth2 token endpoint shares the surface's document but is never guarded: it
    authenticates with client credentials of its own.
    """

    enabled: bool = True
    token: str | None = None

    @property
    def mode(self) -> str:
        """open, token or off (for the startup banner)."""
        if not self.enabled:
            return "off"
        return "token" if self.token else "open"

    def check(self, sent: list[str]) -> None:
        """Raise INVALID_TOKEN unless the surface is open or exactly one right token came."""
        if not self.token:
            return
        if len(sent) != 1 or not self._matches(sent[0]):
            raise DomainError(
                "INVALID_TOKEN",
                "the sandbox control surface is protected: send X-Control-Token",
                status=401,
            )

    def _matches(self, value: str) -> bool:
        assert self.token is not None
        return secrets.compare_digest(value.encode("utf-8", "surrogateescape"), self.token.encode())

    def allows(self, headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> bool:
        """Whether a tool's request may pass: the control token, or the same as a credential.

        Scrapers and registry clients cannot send custom headers everywhere: Prometheus sends
        `Authorization: Bearer TOKEN`, Confluent clients `Authorization: Basic` (any user name,
        the token as the password). Each header must come exactly once.
        """
        if not self.token:
            return True
        pairs = list(headers.items() if isinstance(headers, Mapping) else headers)
        control = [v for k, v in pairs if k.lower() == "x-control-token"]
        auth = [v for k, v in pairs if k.lower() == "authorization"]
        if len(control) > 1 or len(auth) > 1:
            return False
        if control:
            return self._matches(control[0])
        if not auth:
            return False
        scheme, _, credential = auth[0].strip().partition(" ")
        credential = credential.strip()
        if scheme.lower() == "bearer":
            return self._matches(credential)
        if scheme.lower() == "basic":
            try:
                decoded = base64.b64decode(credential, validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                return False
            return ":" in decoded and self._matches(decoded.partition(":")[2])
        return False


def client_cert_provider(common_name: str | None, provider: str) -> None:
    """mTLS: the client certificate's subject common name must be the X-Provider-Id."""
    if common_name != provider:
        raise DomainError(
            "TENANT_MISMATCH",
            "the client certificate is bound to another provider than X-Provider-Id names"
            if common_name
            else "no client certificate was presented on this connection",
            {"provider": provider},
        )
