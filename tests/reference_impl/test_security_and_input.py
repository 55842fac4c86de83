"""Headers, signatures, tokens and malformed input: precise 4xx codes, never a 500."""

from __future__ import annotations

import json
import time

import pytest

from croupier import SANDBOX_ROTATION_CREDENTIALS, ContractClient, Credentials

from .conftest import authorize, balance, open_session

SESSION_BODY = {
    "player_id": "p_demo_1",
    "game_id": "game_slots_demo",
    "currency": "EUR",
    "locale": "en-GB",
}


@pytest.mark.parametrize(
    ("drop", "extra", "code"),
    [
        # missing headers, in the order they are checked
        (("X-Trace-Id",), {}, "MISSING_TRACE_ID"),
        (("X-Brand-Id",), {}, "MISSING_HEADER"),
        (("X-Region",), {}, "MISSING_HEADER"),
        (("X-Provider-Id",), {}, "MISSING_HEADER"),
        (("X-Idempotency-Key",), {}, "MISSING_IDEMPOTENCY_KEY"),
        # malformed headers
        ((), {"X-Trace-Id": "short"}, "MISSING_TRACE_ID"),
        ((), {"X-Region": "malta"}, "INVALID_HEADER"),
        ((), {"X-Idempotency-Key": "bad key!"}, "INVALID_HEADER"),
        # headers are checked before the signature
        (("X-Brand-Id", "X-Signature"), {}, "MISSING_HEADER"),
    ],
)
def test_header_errors(api, drop, extra, code):
    r = api.call("POST", "/v1/sessions", SESSION_BODY, drop=drop, extra=extra)
    assert r.status_code == 400 and r.json()["code"] == code


def test_trace_id_is_echoed_or_generated(api, http):
    r = api.call("POST", "/v1/sessions", SESSION_BODY, trace_id="trc-echo-me-123")
    assert r.headers["x-trace-id"] == "trc-echo-me-123"
    r = http.get("/health")
    assert len(r.headers["x-trace-id"]) >= 8


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"sign": False}, "INVALID_SIGNATURE"),
        # stale and future timestamps: offsets from the clock when the test runs
        ({"timestamp": -120}, "INVALID_SIGNATURE"),
        ({"timestamp": +120}, "INVALID_SIGNATURE"),
        ({"extra": {"X-Signature": "kid=sbx-2026a,ts=1,sig=" + "0" * 64}}, "INVALID_SIGNATURE"),
        ({"extra": {"X-Signature": "garbage"}}, "INVALID_SIGNATURE"),
        ({"bearer": False}, "INVALID_TOKEN"),
        ({"extra": {"Authorization": "Bearer tok_unknown"}}, "INVALID_TOKEN"),
    ],
)
def test_signature_and_token_errors(api, kwargs, code):
    if "timestamp" in kwargs:
        kwargs = {"timestamp": int(time.time()) + kwargs["timestamp"]}
    r = api.call("POST", "/v1/sessions", SESSION_BODY, **kwargs)
    assert r.status_code == 401 and r.json()["code"] == code


def test_tampered_body_fails_the_signature(api):
    headers = api.headers("POST", "/v1/sessions", b"{}", idempotency_key="idem-tamper-001")
    r = api.http.post("/v1/sessions", content=json.dumps(SESSION_BODY), headers=headers)
    assert r.status_code == 401 and r.json()["code"] == "INVALID_SIGNATURE"


def test_rotation_key_is_active_too(http):
    rotated = ContractClient(http, credentials=SANDBOX_ROTATION_CREDENTIALS)
    assert rotated.call("POST", "/v1/sessions", SESSION_BODY).status_code == 201


def test_unknown_key_id_is_refused(http):
    stranger = ContractClient(http, credentials=Credentials("sbx-old", "retired"))
    stranger._token, stranger._token_expiry = "tok_x", time.time() + 3600
    r = stranger.call("POST", "/v1/sessions", SESSION_BODY)
    assert r.status_code == 401 and r.json()["code"] == "INVALID_SIGNATURE"


def test_scope_is_enforced(http):
    bets_only = ContractClient(http, scopes=("bets:write",))
    r = bets_only.call("POST", "/v1/sessions", SESSION_BODY)
    assert r.status_code == 403 and r.json()["code"] == "INSUFFICIENT_SCOPE"


def test_token_endpoint_errors(http):
    r = http.post(
        "/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": "sbx-2026a",
            "client_secret": "nope",
        },
    )
    assert r.status_code == 401
    r = http.post(
        "/oauth/token",
        data={
            "grant_type": "password",
            "client_id": "sbx-2026a",
            "client_secret": "sandbox-secret-a",
        },
    )
    assert r.status_code == 400
    r = http.post("/oauth/token", json={"grant_type": "client_credentials"})
    assert r.status_code == 415


@pytest.mark.parametrize(
    ("content", "ctype", "status", "code"),
    [
        (b"{not json", "application/json", 400, "MALFORMED_REQUEST"),
        (b"", "application/json", 400, "MALFORMED_REQUEST"),
        (b'{"a": NaN}', "application/json", 400, "MALFORMED_REQUEST"),
        (b"\xff\xfe", "application/json", 400, "MALFORMED_REQUEST"),
        (b"[" * 5000 + b"]" * 5000, "application/json", 400, "MALFORMED_REQUEST"),
        (b"player_id=p_demo_1", "application/x-www-form-urlencoded", 415, "UNSUPPORTED_MEDIA_TYPE"),
        (b"[]", "application/json", 422, "VALIDATION_FAILED"),
        (b'{"player_id": "p_demo_1"}', "application/json", 422, "VALIDATION_FAILED"),
        (
            json.dumps({**SESSION_BODY, "locale": 7}).encode(),
            "application/json",
            422,
            "VALIDATION_FAILED",
        ),
        (
            json.dumps({**SESSION_BODY, "extra": 1}).encode(),
            "application/json",
            422,
            "VALIDATION_FAILED",
        ),
        (b'{"player_id": 1' + b"0" * 6000 + b"}", "application/json", 422, "VALIDATION_FAILED"),
        (b'{"x": "' + b"a" * 70000 + b'"}', "application/json", 413, "PAYLOAD_TOO_LARGE"),
    ],
)
def test_bad_bodies(api, content, ctype, status, code):
    r = api.call("POST", "/v1/sessions", content=content, extra={"Content-Type": ctype})
    assert r.status_code == status and r.json()["code"] == code, r.text


def test_bad_bodies_never_move_money(api):
    sid = open_session(api)
    for body in (b'{"stake": 1e309}', b"{" * 100, b'{"bet_id": null}'):
        r = api.call(
            "POST", "/v1/bets/authorize", content=body, extra={"Content-Type": "application/json"}
        )
        assert 400 <= r.status_code < 500
    r = authorize(api, sid, "b-x", "1.00", unexpected=True)
    assert r.status_code == 422
    assert balance(api)["available"]["amount"] == "100.00"


def test_malformed_path_parameter_is_not_found(api):
    r = api.call("GET", "/v1/bets/bad%20id!")
    assert r.status_code == 404 and r.json()["code"] == "BET_NOT_FOUND"
