from __future__ import annotations

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from croupier import (
    SANDBOX_CREDENTIALS,
    ContractClient,
    Credentials,
    VerificationKey,
    verify_signature,
)


def _recording_transport(seen: list[httpx.Request]) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/oauth/token":
            return httpx.Response(
                200, json={"access_token": "tok-1", "token_type": "Bearer", "expires_in": 3600}
            )
        return httpx.Response(200, json={"ok": True})

    return httpx.MockTransport(handler)


def test_calls_are_signed_over_the_exact_body_and_carry_every_header() -> None:
    seen: list[httpx.Request] = []
    http = httpx.Client(transport=_recording_transport(seen), base_url="http://t")
    client = ContractClient(http)
    client.call("POST", "/v1/bets/authorize", {"bet_id": "b-1", "stake": {"amount": "1.00"}})
    client.call("GET", "/v1/players/p_demo_1/balance")

    token_calls = [r for r in seen if r.url.path == "/oauth/token"]
    assert len(token_calls) == 1  # the token is cached
    assert b"grant_type=client_credentials" in token_calls[0].content

    post, get = [r for r in seen if r.url.path != "/oauth/token"]
    secrets = {SANDBOX_CREDENTIALS.key_id: SANDBOX_CREDENTIALS.secret}
    for request in (post, get):
        signed = verify_signature(
            request.headers["X-Signature"],
            request.method,
            request.url.raw_path.decode(),
            request.content,
            request.headers.items(),
            secrets,
        )
        assert signed == SANDBOX_CREDENTIALS.key_id
    assert post.headers["Authorization"] == "Bearer tok-1"
    for header in ("X-Trace-Id", "X-Brand-Id", "X-Region", "X-Provider-Id", "X-Idempotency-Key"):
        assert post.headers[header]
    assert "X-Idempotency-Key" not in get.headers  # reads carry no key


def test_headers_can_be_dropped_and_signing_turned_off() -> None:
    seen: list[httpx.Request] = []
    client = ContractClient(httpx.Client(transport=_recording_transport(seen), base_url="http://t"))
    client.call(
        "POST",
        "/v1/x",
        {"a": 1},
        sign=False,
        bearer=False,
        drop=("X-Trace-Id",),
        idempotency_key="idem-fixed-0001",
    )
    (request,) = seen
    assert "X-Signature" not in request.headers and "Authorization" not in request.headers
    assert "X-Trace-Id" not in request.headers
    assert request.headers["X-Idempotency-Key"] == "idem-fixed-0001"


def test_an_ed25519_private_key_signs_and_the_client_id_fetches_the_token() -> None:
    private = Ed25519PrivateKey.generate()
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    creds = Credentials("ed-1", "client-secret", client_id="client-1", private_key=pem)
    seen: list[httpx.Request] = []
    client = ContractClient(
        httpx.Client(transport=_recording_transport(seen), base_url="http://t"), creds
    )
    client.call("POST", "/v1/x", {"a": 1})
    token, call = seen
    assert b"client_id=client-1" in token.content
    assert "alg=ed25519" in call.headers["X-Signature"]
    keys = {"ed-1": VerificationKey("ed-1", "ed25519", private.public_key())}
    assert (
        verify_signature(
            call.headers["X-Signature"], "POST", "/v1/x", call.content, call.headers.items(), keys
        )
        == "ed-1"
    )
