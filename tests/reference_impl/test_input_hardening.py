"""Bad input found by attack: each gets the Error schema with a 4xx, never a 500 (#12, 13-15).

Every response passes `check_response` (the spec's schema for its operation, else Error).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from .conftest import authorize, balance, open_session
from .test_security_and_input import SESSION_BODY

EXAMPLE_EVENT = json.loads(
    (Path(__file__).parents[2] / "schemas/events/bet.settled/examples/01.json").read_text()
)
LONG_ID = "a" * 65


def _raw(api: Any, method: str, path: str, content: bytes, key: str | None = None) -> Any:
    """A signed call with exactly these body bytes."""
    return api.call(
        method,
        path,
        content=content,
        idempotency_key=key,
        extra={"Content-Type": "application/json"} if content else None,
    )


# ------------------------------------------------------------------ 13: path parameters


@pytest.mark.parametrize("bad", ["nul%00id", "%F0%9F%8E%B0", LONG_ID, "b%0A", "sp%20ace"])
@pytest.mark.parametrize(
    ("template", "code"),
    [
        ("/v1/sessions/{}", "SESSION_NOT_FOUND"),
        ("/v1/bets/{}", "BET_NOT_FOUND"),
        ("/v1/players/{}/balance", "PLAYER_NOT_FOUND"),
        ("/v1/jackpots/{}", "JACKPOT_NOT_FOUND"),
    ],
)
def test_malformed_path_ids_are_unknown(api, template, code, bad):
    r = api.call("GET", template.format(bad))
    assert r.status_code == 404 and r.json()["code"] == code, r.text


def test_malformed_path_ids_on_writes_and_the_control_surface(api, http):
    r = api.call("POST", f"/v1/sessions/{LONG_ID}/end", {"reason": "player_logout"})
    assert r.status_code == 404 and r.json()["code"] == "SESSION_NOT_FOUND", r.text
    r = http.put(f"/sandbox/players/{LONG_ID}", json={"currency": "EUR", "cash": "1.00"})
    assert r.status_code == 422 and r.json()["code"] == "VALIDATION_FAILED", r.text  # a create
    r = http.get(f"/sandbox/players/{LONG_ID}")
    assert r.status_code == 404 and r.json()["code"] == "PLAYER_NOT_FOUND", r.text
    r = http.post("/sandbox/sessions/nul%00id/expire")
    assert r.status_code == 404 and r.json()["code"] == "SESSION_NOT_FOUND", r.text


# ------------------------------------------------------------------ 14: full-match patterns


def test_a_trailing_newline_passes_no_pattern(api, http):
    sid = open_session(api)
    r = authorize(api, sid, "b-nl", "1.00\n")
    assert r.status_code == 422 and r.json()["code"] == "INVALID_AMOUNT", r.text
    r = authorize(api, sid, "b" * 64 + "\n")
    assert r.status_code == 422 and r.json()["code"] == "VALIDATION_FAILED", r.text
    r = api.call("POST", "/v1/sessions", {**SESSION_BODY, "player_id": "p_demo_1\n"})
    assert r.status_code == 422 and r.json()["code"] == "VALIDATION_FAILED", r.text
    r = http.put("/sandbox/players/p_demo_1", json={"currency": "EUR", "cash": "5.00\n"})
    assert r.status_code == 422, r.text
    r = http.get("/sandbox/events", params={"player_id": "p_demo_1\n"})
    assert r.status_code == 422, r.text
    assert balance(api)["available"]["amount"] == "100.00"


# ------------------------------------------------------------------ 15: shapes that crashed


def test_deep_nesting_is_refused(api):
    sid = open_session(api)
    nested = "[" * 300 + '"jp_mega"' + "]" * 300
    fields = {
        "bet_id": "b-deep",
        "round_id": "r-deep",
        "session_id": sid,
        "player_id": "p_demo_1",
        "game_id": "game_slots_demo",
        "stake": {"amount": "1.00", "currency": "EUR"},
    }
    body = (json.dumps(fields)[:-1] + f', "jackpot_pool_ids": {nested}}}').encode()
    r = _raw(api, "POST", "/v1/bets/authorize", body)
    assert r.status_code == 400 and r.json()["code"] == "MALFORMED_REQUEST", r.text


@pytest.mark.parametrize(
    ("extra", "status", "code"),
    [
        (b'"x": 1.5', 202, None),  # a float in a free-form payload is stored as sent
        (b'"x": 1e400', 202, None),
        (b'"x": "\\ud800"', 400, "MALFORMED_REQUEST"),  # a lone surrogate is not Unicode
        (b'"\\udc00": 1', 400, "MALFORMED_REQUEST"),
    ],
)
def test_free_form_event_payloads(api, extra, status, code):
    event = json.dumps(EXAMPLE_EVENT).encode()
    body = event.replace(b'"payload": {', b'"payload": {' + extra + b", ", 1)
    assert body != event
    r = _raw(api, "POST", "/v1/events", body)
    assert r.status_code == status, r.text
    if code:
        assert r.json()["code"] == code
    else:  # and the replay of the same bytes is recognised as the same request
        again = _raw(api, "POST", "/v1/events", body, key=None)
        assert again.status_code == 202 and again.json()["duplicate"] is True


def test_duplicate_json_keys_are_refused(api):
    body = json.dumps(SESSION_BODY)[:-1].encode() + b', "player_id": "p_demo_2"}'
    r = _raw(api, "POST", "/v1/sessions", body)
    assert r.status_code == 400 and r.json()["code"] == "MALFORMED_REQUEST", r.text
    assert "duplicate key" in r.json()["message"]


@pytest.mark.parametrize("header", ["X-Brand-Id", "X-Region", "X-Provider-Id", "X-Idempotency-Key"])
def test_duplicated_mandatory_headers_are_refused(api, header):
    content = json.dumps(SESSION_BODY).encode()
    headers = api.headers("POST", "/v1/sessions", content, idempotency_key="idem-dup-hdr-1")
    pairs = [*headers.items(), (header, headers[header])]  # the same value, twice
    r = api.http.post("/v1/sessions", content=content, headers=pairs)
    assert r.status_code == 400 and r.json()["code"] == "INVALID_HEADER", r.text
    assert r.json()["details"] == {"header": header}


def test_a_duplicated_trace_id_is_refused(api):
    content = json.dumps(SESSION_BODY).encode()
    headers = api.headers("POST", "/v1/sessions", content, idempotency_key="idem-dup-trc-1")
    pairs = [*headers.items(), ("X-Trace-Id", "trc-another-one-1")]
    r = api.http.post("/v1/sessions", content=content, headers=pairs)
    assert r.status_code == 400 and r.json()["code"] == "MISSING_TRACE_ID", r.text


def test_token_request_with_a_non_ascii_secret(http):
    form = {"grant_type": "client_credentials", "client_id": "sbx-2026a", "client_secret": "ß€"}
    r = http.post("/oauth/token", data=form)
    assert r.status_code == 401 and r.json()["code"] == "INVALID_TOKEN", r.text


@pytest.mark.parametrize(
    "query",
    [
        {"since": "²"},
        {"limit": "³"},
        {"since": "1" * 20},
        {"since": "9" * 40},
        {"limit": "0000000000005000"},  # zero padding does not get past the 1000 cap
        {"limit": "-1"},
        {"since": " 1"},
    ],
)
def test_bad_event_query_numbers(http, query):
    r = http.get("/sandbox/events", params=query)
    assert r.status_code == 422 and r.json()["code"] == "VALIDATION_FAILED", r.text


def test_zero_padded_limit_within_the_cap_is_a_number(http):
    r = http.get("/sandbox/events", params={"limit": "0005", "since": "000"})
    assert r.status_code == 200, r.text


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/sandbox/reset"),
        ("PUT", "/sandbox/faults"),
        ("PUT", "/sandbox/clock"),
        ("PUT", "/sandbox/degradation"),
        ("PUT", "/sandbox/players/p_demo_1"),
        ("PUT", "/sandbox/players/p_demo_1/limits"),
        ("PUT", "/sandbox/players/p_demo_1/kyc"),
        ("POST", "/sandbox/players/p_demo_1/bonuses"),
        ("POST", "/sandbox/jackpots/jp_mega/trigger"),
    ],
)
def test_a_json_null_body_on_control_operations(http, method, path):
    r = http.request(method, path, content=b"null", headers={"Content-Type": "application/json"})
    assert r.status_code == 422 and r.json()["code"] == "VALIDATION_FAILED", r.text


@pytest.mark.parametrize(
    "moment",
    ["0999-06-01T00:00:00Z", "0001-01-01T00:00:00+23:59", "9999-12-31T23:59:59-23:59"],
)
def test_weird_dates(api, http, moment):
    limits = {
        "loss_limit": None,
        "stake_limit": None,
        "session_time_minutes": None,
        "self_excluded": False,
        "self_excluded_until": moment,
        "reality_check_minutes": None,
    }
    r = http.put("/sandbox/players/p_demo_1/limits", json=limits)
    assert r.status_code in (200, 422), r.text
    bonus = {
        "amount": {"amount": "5.00", "currency": "EUR"},
        "wagering_multiplier": 1,
        "max_bet": {"amount": "5.00", "currency": "EUR"},
        "expires_at": moment,
    }
    r = http.post("/sandbox/players/p_demo_1/bonuses", json=bonus)
    assert r.status_code == 422, r.text  # in the past, or past the end of the calendar in UTC
    assert api.call("GET", "/v1/players/p_demo_1/balance").status_code == 200
    assert http.get("/sandbox/players/p_demo_1").status_code == 200


def test_a_past_self_exclusion_of_year_999_renders_with_four_digits(http):
    limits = {
        "loss_limit": None,
        "stake_limit": None,
        "session_time_minutes": None,
        "self_excluded": True,
        "self_excluded_until": "0999-06-01T00:00:00Z",
        "reality_check_minutes": None,
    }
    r = http.put("/sandbox/players/p_demo_1/limits", json=limits)
    assert r.status_code == 200, r.text
    assert r.json()["limits"]["self_excluded_until"] == "0999-06-01T00:00:00Z"


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "/v1/sessions/"), ("GET", "/v1/jackpots/"), ("GET", "/sandbox/players/")],
)
def test_a_trailing_slash_is_not_found_in_the_error_schema(api, method, path):
    r = api.call(method, path, SESSION_BODY if method == "POST" else None)
    assert r.status_code == 404 and r.json()["code"] == "NOT_FOUND", r.text


# ------------------------------------------------------------------ 15: below the app


@pytest.fixture(scope="module")
def served(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """`croupier serve` on loopback (the HTTP parser runs in uvicorn, not in the app)."""
    from croupier import sandbox_server

    db = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('serve') / 'sandbox.db'}"
    with sandbox_server(db, env={"CROUPIER_NATS_URL": ""}) as base:
        yield base


def _exchange(base: str, payload: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send raw bytes, read the answer up to the close."""
    import socket
    from urllib.parse import urlsplit

    where = urlsplit(base)
    with socket.create_connection((where.hostname, where.port), timeout=10) as sock:
        sock.sendall(payload)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), {k.lower(): v for k, v in headers.items()}, body


@pytest.mark.parametrize(
    "payload",
    [
        # a chunk size that is not hex
        b"POST /v1/sessions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
        b"Content-Type: application/json\r\n\r\nZZ\r\n{}\r\n0\r\n\r\n",
        # a chunk longer than it said
        b"POST /sandbox/reset HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
        b"Content-Type: application/json\r\n\r\n2\r\n{}}}\r\n0\r\n\r\n",
        b"NOT HTTP AT ALL\r\n\r\n",
    ],
)
def test_a_request_the_http_parser_refuses_gets_the_error_schema(served, payload):
    status, headers, body = _exchange(served, payload)
    assert status == 400
    assert headers["content-type"] == "application/json"
    error = json.loads(body)
    assert error["code"] == "MALFORMED_REQUEST" and error["retryable"] is False
    assert error["trace_id"] == headers["x-trace-id"]


@pytest.mark.parametrize(
    "query",
    [
        {"after": "²"},
        {"limit": "0000000000005000"},
        {"after": "9" * 40},
    ],
)
def test_bad_recording_queries(http, query):
    r = http.get("/sandbox/recordings", params=query)
    assert r.status_code == 422 and r.json()["code"] == "VALIDATION_FAILED", r.text


def test_recording_query_dates_at_the_edge_of_the_calendar(http):
    for moment in ("0001-01-01T00:00:00+23:59", "9999-12-31T23:59:59-23:59"):
        r = http.get("/sandbox/recordings", params={"since": moment, "until": moment})
        assert r.status_code in (200, 422), r.text
