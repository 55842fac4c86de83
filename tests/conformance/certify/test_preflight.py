"""Preflight names the step that refused a credential; profile OAuth client, headers, rate."""

from __future__ import annotations

from typing import Any

import httpx

from croupier import SANDBOX_CREDENTIALS, SANDBOX_ROTATION_CREDENTIALS, Credentials
from croupier.conformance.certify import TargetUnavailable
from croupier.conformance.certify._events import EventBus
from croupier.conformance.certify._target import ConnectionSettings, OAuthClient, Target
from tests.conformance.certify.conftest import serve

WRONG = "definitely-not-the-secret"


def _preflight(base_url: str, contract: Any, credentials: Credentials, oauth: OAuthClient) -> str:
    target = Target(
        base_url, credentials, contract, EventBus([]), connection=ConnectionSettings(oauth=oauth)
    )
    try:
        target.preflight()
    except TargetUnavailable as exc:
        return str(exc)
    finally:
        target.close()
    return ""


def test_each_refusal_names_its_step(sandbox_app: Any, contract: Any) -> None:
    good = SANDBOX_CREDENTIALS
    rotation = SANDBOX_ROTATION_CREDENTIALS
    with serve(sandbox_app()) as base_url:
        # The same client at an absolute token URL: accepted.
        absolute = OAuthClient(f"{base_url}/oauth/token", good.key_id, good.secret)
        assert _preflight(base_url, contract, good, absolute) == ""
        # A token bound to another client than the signing key: the bearer-token step refuses.
        other = OAuthClient("/oauth/token", rotation.key_id, rotation.secret)
        assert "refused the bearer token from /oauth/token" in _preflight(
            base_url, contract, good, other
        )
        # The token endpoint refuses the client secret.
        refused = _preflight(
            base_url, contract, good, OAuthClient("/oauth/token", good.key_id, WRONG)
        )
        assert refused == (
            f"token endpoint /oauth/token refused OAuth client {good.key_id!r}: 401 INVALID_TOKEN"
        )
        # A scope the client does not hold.
        greedy = OAuthClient("/oauth/token", good.key_id, good.secret, ("bets:write", "admin:all"))
        assert "token endpoint /oauth/token refused OAuth client" in _preflight(
            base_url, contract, good, greedy
        )
        # A token is granted, but the platform refuses the signature.
        forged = Credentials(key_id=good.key_id, secret=WRONG)
        right_client = OAuthClient("/oauth/token", good.key_id, good.secret)
        assert _preflight(base_url, contract, forged, right_client) == (
            f"the platform refused the request signature of key {good.key_id!r} on a signed "
            "GET /v1/jackpots: 401 INVALID_SIGNATURE"
        )
    for message in (refused,):
        assert WRONG not in message


def test_profile_headers_are_sent_and_the_rate_is_kept(contract: Any, monkeypatch: Any) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/oauth/token":
            return httpx.Response(200, json={"access_token": "t", "expires_in": 300})
        return httpx.Response(200, json={"status": "ok"})

    waits: list[float] = []
    monkeypatch.setattr("croupier.conformance.certify._target.time.sleep", waits.append)
    target = Target(
        "http://platform.test",
        SANDBOX_CREDENTIALS,
        contract,
        EventBus([]),
        transport=httpx.MockTransport(handler),
        connection=ConnectionSettings(headers={"X-Certification-Run": "r-1"}, rate_limit_per_s=10),
    )
    for _ in range(3):
        target.call("GET", "/health")
    target.close()
    assert all(r.headers.get("X-Certification-Run") == "r-1" for r in seen)
    # Three calls at 10 per second (the clock stands still here): the second waits its 0.1 s
    # turn, the third 0.2 s.
    assert len(waits) == 2 and 0.05 < waits[0] <= 0.1 < waits[1] <= 0.2
