"""Security model: covered-header signatures, keys bound to provider/brand/regions, players
scoped by brand, tokens bound to their client, Ed25519, data residency (issue #12, items 1, 2, 4).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from croupier import (
    SANDBOX_CREDENTIALS,
    SANDBOX_ED25519_CREDENTIALS,
    SANDBOX_ROTATION_CREDENTIALS,
    ContractClient,
    Credentials,
    legacy_sign_request,
)
from croupier.reference_impl import create_app
from croupier.reference_impl._auth import OTHER_BRAND_CREDENTIALS, OTHER_PROVIDER_CREDENTIALS

from .conftest import CONTRACT, TestClient, authorize, check_response, open_session


def _balance(api: ContractClient, player: str = "p_demo_1") -> dict[str, Any]:
    r = api.call("GET", f"/v1/players/{player}/balance")
    assert r.status_code == 200, r.text
    return dict(r.json())


def _authorize_body(session_id: str, bet_id: str) -> bytes:
    body = {
        "bet_id": bet_id,
        "round_id": f"r-{bet_id}",
        "session_id": session_id,
        "player_id": "p_demo_1",
        "game_id": "game_slots_demo",
        "stake": {"amount": "5.00", "currency": "EUR"},
    }
    return json.dumps(body, separators=(",", ":")).encode()


@pytest.fixture
def legacy_http(database_url: str) -> Iterator[TestClient]:
    """A sandbox that still accepts 1.0 signatures from sbx-2026a (explicitly configured)."""
    app = create_app(database_url, nats_url=None, contract=CONTRACT, legacy_keys=["sbx-2026a"])
    with TestClient(app, raise_server_exceptions=True) as client:
        client.event_hooks = {"request": [], "response": [check_response]}
        assert client.post("/sandbox/reset", json={"wipe": True}).status_code == 200
        yield client


# Cross-tenant replay: the same signed authorize bytes, another brand and a new key.


def test_replay_under_another_brand_and_key_is_refused_and_holds_once(api):
    sid = open_session(api)
    body = _authorize_body(sid, "b-replay-1")
    headers = api.headers("POST", "/v1/bets/authorize", body, idempotency_key="idem-replay-0001")
    first = api.http.post("/v1/bets/authorize", content=body, headers=headers)
    assert first.status_code == 200, first.text
    for changed in (
        {"X-Brand-Id": "brand_other", "X-Idempotency-Key": "idem-replay-0002"},
        {"X-Provider-Id": "prov_other", "X-Idempotency-Key": "idem-replay-0003"},
        {"X-Idempotency-Key": "idem-replay-0004"},
        {"X-Region": "GB", "X-Idempotency-Key": "idem-replay-0005"},
    ):
        again = api.http.post(
            "/v1/bets/authorize", content=body, headers={**headers, **changed}
        )
        assert again.status_code == 401 and again.json()["code"] == "INVALID_SIGNATURE", changed
    balance = _balance(api)
    assert balance["held"]["amount"] == "5.00" and balance["available"]["amount"] == "95.00"


def test_legacy_signatures_are_refused_by_default(api):
    body = json.dumps({"player_id": "p_demo_1"}).encode()
    headers = api.headers("POST", "/v1/rg/check", body, idempotency_key="idem-legacy-0001")
    headers["X-Signature"] = legacy_sign_request(
        "POST", "/v1/rg/check", body, SANDBOX_CREDENTIALS.key_id, SANDBOX_CREDENTIALS.secret
    )
    r = api.http.post("/v1/rg/check", content=body, headers=headers)
    assert r.status_code == 401 and r.json()["code"] == "INVALID_SIGNATURE"
    assert "legacy" in r.json()["message"]


def test_a_legacy_key_still_cannot_replay_under_another_brand(legacy_http):
    api = ContractClient(legacy_http)
    sid = open_session(api)
    body = _authorize_body(sid, "b-legacy-1")
    creds = SANDBOX_CREDENTIALS
    headers = api.headers("POST", "/v1/bets/authorize", body, idempotency_key="idem-legacy-1001")
    headers["X-Signature"] = legacy_sign_request(
        "POST", "/v1/bets/authorize", body, creds.key_id, creds.secret
    )
    first = legacy_http.post("/v1/bets/authorize", content=body, headers=headers)
    assert first.status_code == 200, first.text  # the configured legacy key still works
    again = legacy_http.post(
        "/v1/bets/authorize",
        content=body,
        headers={**headers, "X-Brand-Id": "brand_other", "X-Idempotency-Key": "idem-legacy-1002"},
    )
    # The 1.0 signature covers no header, but the key is bound to brand_demo.
    assert again.status_code == 403 and again.json()["code"] == "TENANT_MISMATCH"
    assert _balance(api)["held"]["amount"] == "5.00"


# Keys are bound to their provider, brand and regions.


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"brand": "brand_other"}, "TENANT_MISMATCH"),
        ({"provider": "prov_other"}, "TENANT_MISMATCH"),
        ({"region": "SE"}, "REGION_NOT_ALLOWED"),  # not one of brand_demo's regions
    ],
)
def test_a_key_speaks_only_for_its_provider_brand_and_regions(http, changes, code):
    creds = Credentials(**{**SANDBOX_CREDENTIALS.__dict__, **changes})
    r = ContractClient(http, creds).call("GET", "/v1/players/p_demo_1/balance")
    assert r.status_code == 403 and r.json()["code"] == code, r.text


def test_another_brand_cannot_see_this_brands_player(http):
    other = ContractClient(http, OTHER_BRAND_CREDENTIALS)
    r = other.call("GET", "/v1/players/p_demo_1/balance")
    assert r.status_code == 404 and r.json()["code"] == "PLAYER_NOT_FOUND"
    r = other.call(
        "POST",
        "/v1/sessions",
        {"player_id": "p_demo_1", "game_id": "game_slots_demo", "currency": "EUR", "locale": "en"},
    )
    assert r.status_code == 404 and r.json()["code"] == "PLAYER_NOT_FOUND"
    # Its own player it sees.
    put = {"currency": "SEK", "cash": "10.00", "brand_id": "brand_other", "region": "SE"}
    assert http.put("/sandbox/players/p_se_1", json=put).status_code == 200
    assert _balance(other, "p_se_1")["cash"]["amount"] == "10.00"
    assert ContractClient(http).call("GET", "/v1/players/p_se_1/balance").status_code == 404


def test_another_brand_cannot_read_this_brands_session(http, api):
    sid = open_session(api)
    r = ContractClient(http, OTHER_BRAND_CREDENTIALS).call("GET", f"/v1/sessions/{sid}")
    assert r.status_code == 404 and r.json()["code"] == "SESSION_NOT_FOUND"


def test_another_provider_of_the_same_brand_has_its_own_bets(http, api):
    sid = open_session(api)
    assert authorize(api, sid, "b-prov-1").status_code == 200
    other = ContractClient(http, OTHER_PROVIDER_CREDENTIALS)
    r = other.call("GET", "/v1/bets/b-prov-1")
    assert r.status_code == 404 and r.json()["code"] == "BET_NOT_FOUND"


# Tokens are bound to the client they were issued to.


def test_a_token_works_only_with_its_clients_keys(http):
    owner = ContractClient(http, SANDBOX_ROTATION_CREDENTIALS)
    stolen = owner.token()
    thief = ContractClient(http, SANDBOX_CREDENTIALS)
    r = thief.call(
        "GET", "/v1/players/p_demo_1/balance", extra={"Authorization": f"Bearer {stolen}"}
    )
    assert r.status_code == 401 and r.json()["code"] == "INVALID_TOKEN"
    assert "another client" in r.json()["message"]
    assert owner.call("GET", "/v1/players/p_demo_1/balance").status_code == 200


# The same answer for an unknown key id and a wrong signature.


def test_unknown_key_and_bad_signature_are_indistinguishable(http, api):
    api.token()
    stranger = ContractClient(http, Credentials("sbx-no-such", SANDBOX_CREDENTIALS.secret))
    stranger._token, stranger._token_expiry = api._token, api._token_expiry
    wrong = ContractClient(http, Credentials(SANDBOX_CREDENTIALS.key_id, "wrong-secret"))
    wrong._token, wrong._token_expiry = api._token, api._token_expiry
    unknown = stranger.call("GET", "/v1/players/p_demo_1/balance").json()
    forged = wrong.call("GET", "/v1/players/p_demo_1/balance").json()
    assert unknown["code"] == forged["code"] == "INVALID_SIGNATURE"
    assert unknown["message"] == forged["message"]


def test_a_covered_header_sent_twice_is_refused(api):
    headers = api.headers("GET", "/v1/players/p_demo_1/balance", b"")
    pairs = [*headers.items(), ("X-Brand-Id", "brand_other")]
    r = api.http.get("/v1/players/p_demo_1/balance", headers=pairs)
    assert r.status_code == 400 and r.json()["code"] == "INVALID_HEADER"
    assert r.json()["details"] == {"header": "X-Brand-Id"}


# Ed25519 beside HMAC.


def test_ed25519_credentials_place_a_bet(http):
    ed = ContractClient(http, SANDBOX_ED25519_CREDENTIALS)
    sid = open_session(ed)
    assert authorize(ed, sid, "b-ed-1").status_code == 200
    assert _balance(ed)["held"]["amount"] == "1.00"


# Data residency: a player's data is served only in its region.


def test_a_players_data_is_served_only_in_its_region(http, api):
    put = {"currency": "GBP", "cash": "20.00", "region": "GB"}
    assert http.put("/sandbox/players/p_gb_1", json=put).status_code == 200
    r = api.call("GET", "/v1/players/p_gb_1/balance")  # the client says X-Region: MT
    assert r.status_code == 403 and r.json()["code"] == "REGION_NOT_ALLOWED"
    gb = ContractClient(http, Credentials(**{**SANDBOX_CREDENTIALS.__dict__, "region": "GB"}))
    assert _balance(gb, "p_gb_1")["cash"]["amount"] == "20.00"
    # A session opened in MT is not served to a call in GB, and the other way round.
    sid = open_session(api)
    r = gb.call("GET", f"/v1/sessions/{sid}")
    assert r.status_code == 403 and r.json()["code"] == "REGION_NOT_ALLOWED"
    r = gb.call("GET", "/v1/players/p_demo_1/balance")
    assert r.status_code == 403 and r.json()["code"] == "REGION_NOT_ALLOWED"
