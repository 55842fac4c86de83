"""Request signatures (contract 1.1): HMAC-SHA256 or Ed25519 over RFC 9421-style components.

The header is ``X-Signature: kid=<key id>,ts=<unix seconds>,alg=<algorithm>,sig=<hex>`` with
``alg`` one of ``hmac-sha256`` (64 hex digits) or ``ed25519`` (128 hex digits). The signed
text, the *signature base*, is one line per covered component, joined by ``\\n`` with no
trailing newline, each line ``"<component name>": <value>``::

    "@method": POST
    "@request-target": /v1/bets/authorize
    "@body-sha256": <lowercase hex SHA-256 of the raw body bytes (of b"" when there is none)>
    "x-trace-id": <X-Trace-Id>
    "x-brand-id": <X-Brand-Id>
    "x-provider-id": <X-Provider-Id>
    "x-region": <X-Region>
    "x-idempotency-key": <X-Idempotency-Key, or nothing after the space when absent>
    "@signature-params": kid=<key id>;ts=<unix seconds>;alg=<algorithm>

The 1.0 scheme (header without ``alg=``; five lines: method, target, timestamp, key id,
body hash) covers no header, so a signed request could be replayed under another brand or
idempotency key. Verifiers accept it only for keys configured as legacy.

Providers, the sandbox and `croupier certify` all call these functions.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "ALGORITHMS",
    "COVERED_HEADERS",
    "SIGNATURE_HEADER",
    "SignatureError",
    "SignedHeader",
    "VerificationKey",
    "body_digest",
    "legacy_sign_request",
    "legacy_signature_base",
    "parse_signature_header",
    "sign_request",
    "signature_base",
    "verify_signature",
]

SIGNATURE_HEADER = "X-Signature"
DEFAULT_SKEW_SECONDS = 60
HMAC_SHA256 = "hmac-sha256"
ED25519 = "ed25519"
ALGORITHMS = (HMAC_SHA256, ED25519)

# The headers every signature covers, in signing order (absent ones as an empty value).
COVERED_HEADERS = ("X-Trace-Id", "X-Brand-Id", "X-Provider-Id", "X-Region", "X-Idempotency-Key")

_HEADER = re.compile(
    r"kid=([A-Za-z0-9._:-]{1,128}),ts=([0-9]{1,12})"
    r"(?:,alg=(hmac-sha256|ed25519))?,sig=([0-9a-f]{64}|[0-9a-f]{128})"
)
_SIG_HEX_LENGTH = {HMAC_SHA256: 64, ED25519: 128}

# One message for every failure that depends on the key: an unknown or retired key id, a
# signature that does not match, a 1.0 signature for a key not configured as legacy.
# Telling them apart would let a caller probe which key ids exist.
_NOT_VERIFIED = (
    "the signature does not verify: unknown key id, or it does not match the covered "
    "components (method, target, body digest, X-Trace-Id, X-Brand-Id, X-Provider-Id, "
    "X-Region, X-Idempotency-Key, kid, ts, alg)"
)


class SignatureError(ValueError):
    """A signature that is missing, malformed, stale or does not verify."""


@dataclass(frozen=True)
class SignedHeader:
    """The parts of an X-Signature header; `algorithm` is None for a 1.0 (legacy) header."""

    key_id: str
    timestamp: int
    algorithm: str | None
    signature: str


@dataclass(frozen=True)
class VerificationKey:
    """What a verifier knows of one key: its algorithm, its secret or public key, legacy or not.

    `material` is the HMAC secret (str or bytes) or an Ed25519 public key (a `cryptography`
    Ed25519PublicKey, or its PEM text). `legacy` accepts the 1.0 signature scheme too.
    """

    key_id: str
    algorithm: str
    material: Any
    legacy: bool = False


def body_digest(body: bytes) -> str:
    """Return the lowercase hex SHA-256 of the raw body."""
    return hashlib.sha256(body).hexdigest()


def _header_value(headers: Mapping[str, str] | Iterable[tuple[str, str]], name: str) -> str:
    items = headers.items() if isinstance(headers, Mapping) else headers
    wanted = name.lower()
    for key, value in items:
        if key.lower() == wanted:
            return str(value)
    return ""


def signature_base(
    method: str,
    target: str,
    body: bytes,
    headers: Mapping[str, str] | Iterable[tuple[str, str]],
    key_id: str,
    timestamp: int,
    algorithm: str,
) -> str:
    """Return the exact text that is signed (see the module docstring)."""
    lines = [
        f'"@method": {method.upper()}',
        f'"@request-target": {target}',
        f'"@body-sha256": {body_digest(body)}',
    ]
    lines += [f'"{name.lower()}": {_header_value(headers, name)}' for name in COVERED_HEADERS]
    lines.append(f'"@signature-params": kid={key_id};ts={timestamp};alg={algorithm}')
    return "\n".join(lines)


def legacy_signature_base(
    method: str, target: str, timestamp: int, key_id: str, body: bytes
) -> str:
    """The 1.0 signed text: method, target, timestamp, key id, body hash (covers no header)."""
    return "\n".join([method.upper(), target, str(timestamp), key_id, body_digest(body)])


def _secret_bytes(secret: str | bytes) -> bytes:
    return secret.encode() if isinstance(secret, str) else secret


def _private_key(key: Any) -> Any:
    """An Ed25519 private key object from a key object or PEM text/bytes, else None."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    if isinstance(key, Ed25519PrivateKey):
        return key
    if isinstance(key, str | bytes):
        data = key.encode() if isinstance(key, str) else key
        if b"-----BEGIN" in data:
            loaded = load_pem_private_key(data, password=None)
            if not isinstance(loaded, Ed25519PrivateKey):
                raise SignatureError("the PEM private key is not an Ed25519 key")
            return loaded
    return None


def _public_key(key: Any) -> Any:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    if isinstance(key, Ed25519PublicKey):
        return key
    data = key.encode() if isinstance(key, str) else key
    loaded = load_pem_public_key(data)
    if not isinstance(loaded, Ed25519PublicKey):
        raise SignatureError("the PEM public key is not an Ed25519 key")
    return loaded


def sign_request(
    method: str,
    target: str,
    body: bytes,
    key_id: str,
    key: Any,
    timestamp: int | None = None,
    *,
    headers: Mapping[str, str] | Iterable[tuple[str, str]],
) -> str:
    """Return the X-Signature value for this request, signed over the covered components.

    `key` is an HMAC secret (str or bytes) or an Ed25519 private key (a `cryptography`
    Ed25519PrivateKey or its PEM text); `headers` are the request's headers as sent.
    """
    ts = int(time.time()) if timestamp is None else timestamp
    private = _private_key(key)
    algorithm = ED25519 if private is not None else HMAC_SHA256
    text = signature_base(method, target, body, headers, key_id, ts, algorithm).encode()
    if private is not None:
        sig = private.sign(text).hex()
    else:
        sig = hmac.new(_secret_bytes(key), text, hashlib.sha256).hexdigest()
    return f"kid={key_id},ts={ts},alg={algorithm},sig={sig}"


def legacy_sign_request(
    method: str, target: str, body: bytes, key_id: str, secret: str, timestamp: int | None = None
) -> str:
    """The 1.0 X-Signature (HMAC over five lines; no alg=): for migration tests only."""
    ts = int(time.time()) if timestamp is None else timestamp
    text = legacy_signature_base(method, target, ts, key_id, body)
    sig = hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest()
    return f"kid={key_id},ts={ts},sig={sig}"


def parse_signature_header(value: str) -> SignedHeader:
    """Split an X-Signature header into its parts or raise SignatureError."""
    match = _HEADER.fullmatch(value.replace(" ", ""))
    if match is None:
        raise SignatureError(
            "X-Signature must look like kid=<key id>,ts=<unix seconds>,alg=<hmac-sha256|ed25519>,"
            "sig=<hex>"
        )
    kid, ts, alg, sig = match.groups()
    if alg is not None and len(sig) != _SIG_HEX_LENGTH[alg]:
        raise SignatureError(f"an {alg} signature has {_SIG_HEX_LENGTH[alg]} hex digits")
    return SignedHeader(kid, int(ts), alg, sig)


def _as_key(key_id: str, value: VerificationKey | str | bytes) -> VerificationKey:
    if isinstance(value, VerificationKey):
        return value
    return VerificationKey(key_id, HMAC_SHA256, value)


def _matches(key: VerificationKey, parsed: SignedHeader, text: bytes) -> bool:
    if key.algorithm == HMAC_SHA256:
        expected = hmac.new(_secret_bytes(key.material), text, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, parsed.signature)
    from cryptography.exceptions import InvalidSignature

    try:
        _public_key(key.material).verify(bytes.fromhex(parsed.signature), text)
    except InvalidSignature:
        return False
    return True


def verify_signature(
    header: str | None,
    method: str,
    target: str,
    body: bytes,
    headers: Mapping[str, str] | Iterable[tuple[str, str]],
    keys: Mapping[str, VerificationKey | str | bytes],
    now: float | None = None,
    skew_seconds: int = DEFAULT_SKEW_SECONDS,
) -> str:
    """Check a signature against the active keys (two may overlap during rotation).

    `keys` maps key id to a VerificationKey (or, for HMAC, just the secret). Returns the key
    id that signed; raises SignatureError. Every key-dependent failure has the same message.
    """
    if not header:
        raise SignatureError("the request is not signed: X-Signature is missing")
    parsed = parse_signature_header(header)
    current = time.time() if now is None else now
    if abs(current - parsed.timestamp) > skew_seconds:
        raise SignatureError(
            f"timestamp {parsed.timestamp} is more than {skew_seconds} s away from server time "
            f"{int(current)}"
        )
    found = keys.get(parsed.key_id)
    key = None if found is None else _as_key(parsed.key_id, found)
    if parsed.algorithm is None:
        # The 1.0 scheme: HMAC over five lines, for keys explicitly configured as legacy.
        ok = key is not None and key.legacy and key.algorithm == HMAC_SHA256
        if ok and key is not None:
            text = legacy_signature_base(
                method, target, parsed.timestamp, parsed.key_id, body
            ).encode()
            ok = _matches(key, parsed, text)
        if not ok:
            raise SignatureError(
                _NOT_VERIFIED + "; a header without alg= is the 1.0 scheme, accepted only for "
                "keys configured as legacy"
            )
        return parsed.key_id
    ok = key is not None and key.algorithm == parsed.algorithm
    if ok and key is not None:
        text = signature_base(
            method, target, body, headers, parsed.key_id, parsed.timestamp, parsed.algorithm
        ).encode()
        ok = _matches(key, parsed, text)
    if not ok:
        raise SignatureError(_NOT_VERIFIED)
    return parsed.key_id
