from __future__ import annotations

import hashlib
import hmac

import pytest

from croupier import (
    SignatureError,
    canonical_string,
    parse_signature_header,
    sign_request,
    verify_signature,
)

SECRETS = {"k1": "secret-one", "k2": "secret-two"}
BODY = b'{"bet_id":"b-1"}'


def test_signature_is_hmac_sha256_over_the_documented_text() -> None:
    header = sign_request("post", "/v1/bets/authorize", BODY, "k1", "secret-one", 1_700_000_000)
    text = "\n".join(
        ["POST", "/v1/bets/authorize", "1700000000", "k1", hashlib.sha256(BODY).hexdigest()]
    )
    expected = hmac.new(b"secret-one", text.encode(), hashlib.sha256).hexdigest()
    assert header == f"kid=k1,ts=1700000000,sig={expected}"
    assert canonical_string("post", "/v1/bets/authorize", 1_700_000_000, "k1", BODY) == text


def test_a_valid_signature_verifies_with_either_rotation_key() -> None:
    for kid, secret in SECRETS.items():
        header = sign_request("POST", "/v1/x", BODY, kid, secret, 1000)
        assert verify_signature(header, "POST", "/v1/x", BODY, SECRETS, now=1030) == kid


@pytest.mark.parametrize(
    ("header", "method", "path", "body", "now", "reason"),
    [
        # missing or malformed
        (None, "POST", "/v1/x", BODY, 1000, "missing"),
        ("kid=k1,ts=1000", "POST", "/v1/x", BODY, 1000, "look like"),
        # unknown or retired key
        (sign_request("POST", "/v1/x", BODY, "k9", "s", 1000), "POST", "/v1/x", BODY, 1000, "k9"),
        # stale or future timestamp beyond the 60 s skew
        (
            sign_request("POST", "/v1/x", BODY, "k1", "secret-one", 1000),
            "POST",
            "/v1/x",
            BODY,
            1061,
            "away",
        ),
        (
            sign_request("POST", "/v1/x", BODY, "k1", "secret-one", 1000),
            "POST",
            "/v1/x",
            BODY,
            939,
            "away",
        ),
        # any change to method, path or body breaks it
        (
            sign_request("POST", "/v1/x", BODY, "k1", "secret-one", 1000),
            "PUT",
            "/v1/x",
            BODY,
            1000,
            "match",
        ),
        (
            sign_request("POST", "/v1/x", BODY, "k1", "secret-one", 1000),
            "POST",
            "/v1/y",
            BODY,
            1000,
            "match",
        ),
        (
            sign_request("POST", "/v1/x", BODY, "k1", "secret-one", 1000),
            "POST",
            "/v1/x",
            b"{}",
            1000,
            "match",
        ),
        # signed with the wrong secret
        (
            sign_request("POST", "/v1/x", BODY, "k1", "secret-two", 1000),
            "POST",
            "/v1/x",
            BODY,
            1000,
            "match",
        ),
    ],
)
def test_bad_signatures_are_refused(header, method, path, body, now, reason) -> None:
    with pytest.raises(SignatureError, match=reason):
        verify_signature(header, method, path, body, SECRETS, now=now)


def test_parse_signature_header_tolerates_spaces() -> None:
    header = sign_request("GET", "/v1/x", b"", "k1", "secret-one", 5)
    spaced = header.replace(",", ", ")
    assert parse_signature_header(spaced) == parse_signature_header(header)
