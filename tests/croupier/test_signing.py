from __future__ import annotations

import hashlib
import hmac

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from croupier import (
    SignatureError,
    VerificationKey,
    legacy_sign_request,
    parse_signature_header,
    sign_request,
    signature_base,
    verify_signature,
)

SECRETS = {"k1": "secret-one", "k2": "secret-two"}
BODY = b'{"bet_id":"b-1"}'
HEADERS = {
    "X-Trace-Id": "trc-0001-abcd",
    "X-Brand-Id": "brand_demo",
    "X-Provider-Id": "prov_demo",
    "X-Region": "MT",
    "X-Idempotency-Key": "idem-0001-abcd",
}
NOT_VERIFIED = "does not verify"


def sign(key_id: str = "k1", key: object = "secret-one", ts: int = 1000, **changes: str) -> str:
    return sign_request("POST", "/v1/x", BODY, key_id, key, ts, headers={**HEADERS, **changes})


def verify(header: str | None, keys: dict = SECRETS, now: int = 1000, **changes: object) -> str:
    request = {"method": "POST", "target": "/v1/x", "body": BODY, "headers": HEADERS}
    request.update(changes)
    return verify_signature(
        header,
        str(request["method"]),
        str(request["target"]),
        request["body"],  # type: ignore[arg-type]
        request["headers"],  # type: ignore[arg-type]
        keys,
        now=now,
    )


def test_signature_is_hmac_sha256_over_the_documented_covered_components() -> None:
    text = "\n".join(
        [
            '"@method": POST',
            '"@request-target": /v1/bets/authorize?x=1',
            f'"@body-sha256": {hashlib.sha256(BODY).hexdigest()}',
            '"x-trace-id": trc-0001-abcd',
            '"x-brand-id": brand_demo',
            '"x-provider-id": prov_demo',
            '"x-region": MT',
            '"x-idempotency-key": ',  # absent on this request: an empty value
            '"@signature-params": kid=k1;ts=1700000000;alg=hmac-sha256',
        ]
    )
    read = {k: v for k, v in HEADERS.items() if k != "X-Idempotency-Key"}
    base = signature_base(
        "post", "/v1/bets/authorize?x=1", BODY, read, "k1", 1_700_000_000, "hmac-sha256"
    )
    assert base == text
    header = sign_request(
        "post", "/v1/bets/authorize?x=1", BODY, "k1", "secret-one", 1_700_000_000, headers=read
    )
    expected = hmac.new(b"secret-one", text.encode(), hashlib.sha256).hexdigest()
    assert header == f"kid=k1,ts=1700000000,alg=hmac-sha256,sig={expected}"


def test_header_names_are_matched_case_insensitively() -> None:
    lower = {k.lower(): v for k, v in HEADERS.items()}
    assert verify(sign(), headers=list(lower.items())) == "k1"


def test_a_valid_signature_verifies_with_either_rotation_key() -> None:
    for kid, secret in SECRETS.items():
        assert verify(sign(kid, secret), now=1030) == kid


@pytest.mark.parametrize(
    "changes",
    [
        # the request line and the body
        {"method": "PUT"},
        {"target": "/v1/y"},
        {"target": "/v1/x?a=1"},
        {"body": b"{}"},
        # every covered header: another brand, provider, region, trace or idempotency key
        {"headers": {**HEADERS, "X-Brand-Id": "brand_other"}},
        {"headers": {**HEADERS, "X-Provider-Id": "prov_other"}},
        {"headers": {**HEADERS, "X-Region": "GB"}},
        {"headers": {**HEADERS, "X-Trace-Id": "trc-0002-abcd"}},
        {"headers": {**HEADERS, "X-Idempotency-Key": "idem-0002-abcd"}},
        {"headers": {k: v for k, v in HEADERS.items() if k != "X-Idempotency-Key"}},
    ],
)
def test_any_change_to_a_covered_component_breaks_the_signature(changes) -> None:
    with pytest.raises(SignatureError, match=NOT_VERIFIED):
        verify(sign(), **changes)


def test_unknown_key_and_wrong_signature_have_the_same_message() -> None:
    with pytest.raises(SignatureError) as unknown:
        verify(sign("k9", "secret-one"))
    with pytest.raises(SignatureError) as wrong:
        verify(sign("k1", "secret-two"))
    assert str(unknown.value) == str(wrong.value)
    assert "k9" not in str(unknown.value)


@pytest.mark.parametrize(
    ("header", "now", "reason"),
    [
        # missing or malformed
        (None, 1000, "missing"),
        ("kid=k1,ts=1000", 1000, "look like"),
        ("kid=k1,ts=1000,alg=rsa,sig=" + "0" * 64, 1000, "look like"),
        ("kid=k1,ts=1000,alg=ed25519,sig=" + "0" * 64, 1000, "128 hex"),
        # a trailing newline is not a full match
        (sign() + "\n", 1000, "look like"),
        # stale or future timestamp beyond the 60 s skew
        (sign(), 1061, "away"),
        (sign(), 939, "away"),
    ],
)
def test_malformed_or_stale_signatures_are_refused(header, now, reason) -> None:
    with pytest.raises(SignatureError, match=reason):
        verify(header, now=now)


def test_the_1_0_scheme_is_refused_unless_the_key_is_legacy() -> None:
    old = legacy_sign_request("POST", "/v1/x", BODY, "k1", "secret-one", 1000)
    assert "alg=" not in old
    with pytest.raises(SignatureError, match="legacy"):
        verify(old)
    legacy = {"k1": VerificationKey("k1", "hmac-sha256", "secret-one", legacy=True)}
    assert verify(old, keys=legacy) == "k1"
    # A legacy key still verifies 1.1 signatures; a wrong legacy signature is refused.
    assert verify(sign(), keys=legacy) == "k1"
    forged = legacy_sign_request("POST", "/v1/x", BODY, "k1", "secret-two", 1000)
    with pytest.raises(SignatureError, match=NOT_VERIFIED):
        verify(forged, keys=legacy)


def test_ed25519_signatures_verify_with_the_public_key_only() -> None:
    private = Ed25519PrivateKey.generate()
    keys = {"ed1": VerificationKey("ed1", "ed25519", private.public_key())}
    header = sign("ed1", private)
    assert parse_signature_header(header).algorithm == "ed25519"
    assert len(parse_signature_header(header).signature) == 128
    assert verify(header, keys=keys) == "ed1"
    with pytest.raises(SignatureError, match=NOT_VERIFIED):
        verify(header, keys=keys, headers={**HEADERS, "X-Brand-Id": "brand_other"})
    # Another private key, or an HMAC signature under the Ed25519 key id, does not verify.
    with pytest.raises(SignatureError, match=NOT_VERIFIED):
        verify(sign("ed1", Ed25519PrivateKey.generate()), keys=keys)
    with pytest.raises(SignatureError, match=NOT_VERIFIED):
        verify(sign("ed1", "secret-one"), keys=keys)


def test_parse_signature_header_tolerates_spaces() -> None:
    header = sign()
    spaced = header.replace(",", ", ")
    assert parse_signature_header(spaced) == parse_signature_header(header)
