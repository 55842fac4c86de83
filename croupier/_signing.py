"""Request signatures: HMAC-SHA256 over method, path, timestamp, key id and body hash.

The header is ``X-Signature: kid=<key id>,ts=<unix seconds>,sig=<lowercase hex>`` and the
signed text is five lines joined by ``\\n``::

    METHOD            upper case, e.g. POST
    PATH              the request target as sent, query string included (/v1/bets/settle)
    TIMESTAMP         the same decimal unix seconds as ts=
    KEY ID            the same key id as kid=
    BODY SHA-256      lowercase hex digest of the raw body bytes (of b"" when there is none)

Providers, the sandbox and `croupier certify` all call these functions.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from collections.abc import Mapping

__all__ = [
    "SIGNATURE_HEADER",
    "SignatureError",
    "body_digest",
    "canonical_string",
    "parse_signature_header",
    "sign_request",
    "verify_signature",
]

SIGNATURE_HEADER = "X-Signature"
DEFAULT_SKEW_SECONDS = 60

_HEADER = re.compile(r"^kid=([A-Za-z0-9._:-]{1,128}),ts=([0-9]{1,12}),sig=([0-9a-f]{64})$")


class SignatureError(ValueError):
    """A signature that is missing, malformed, stale or does not match."""


def body_digest(body: bytes) -> str:
    """Return the lowercase hex SHA-256 of the raw body."""
    return hashlib.sha256(body).hexdigest()


def canonical_string(method: str, path: str, timestamp: int, key_id: str, body: bytes) -> str:
    """Return the exact text that is signed."""
    return "\n".join([method.upper(), path, str(timestamp), key_id, body_digest(body)])


def sign_request(
    method: str,
    path: str,
    body: bytes,
    key_id: str,
    secret: str,
    timestamp: int | None = None,
) -> str:
    """Return the value of the X-Signature header for this request."""
    ts = int(time.time()) if timestamp is None else timestamp
    text = canonical_string(method, path, ts, key_id, body)
    sig = hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest()
    return f"kid={key_id},ts={ts},sig={sig}"


def parse_signature_header(value: str) -> tuple[str, int, str]:
    """Split an X-Signature header into (key id, timestamp, signature) or raise SignatureError."""
    match = _HEADER.match(value.replace(" ", ""))
    if match is None:
        raise SignatureError("X-Signature must look like kid=<key id>,ts=<unix seconds>,sig=<hex>")
    return match.group(1), int(match.group(2)), match.group(3)


def verify_signature(
    header: str | None,
    method: str,
    path: str,
    body: bytes,
    secrets: Mapping[str, str],
    now: float | None = None,
    skew_seconds: int = DEFAULT_SKEW_SECONDS,
) -> str:
    """Check a signature against the active keys (two may overlap during rotation).

    Returns the key id that signed; raises SignatureError saying what is wrong.
    """
    if not header:
        raise SignatureError("the request is not signed: X-Signature is missing")
    key_id, ts, sig = parse_signature_header(header)
    secret = secrets.get(key_id)
    if secret is None:
        raise SignatureError(f"unknown or retired key id {key_id!r}")
    current = time.time() if now is None else now
    if abs(current - ts) > skew_seconds:
        raise SignatureError(
            f"timestamp {ts} is more than {skew_seconds} s away from server time {int(current)}"
        )
    expected = sign_request(method, path, body, key_id, secret, ts).rsplit("sig=", 1)[1]
    if not hmac.compare_digest(expected, sig):
        raise SignatureError("signature does not match the request")
    return key_id
