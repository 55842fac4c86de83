"""`croupier serve --no-control`: the contract and the seeded kit, without any /sandbox/* route."""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import pytest

from croupier import ContractClient
from croupier.reference_impl import create_app

from .conftest import CONTRACT

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


@pytest.fixture
def staging(database_url: str) -> Iterator[TestClient]:
    """The sandbox as an operator's staging: no control surface, sessions of 2 minutes."""
    app = create_app(
        database_url, nats_url=None, contract=CONTRACT, control=False, session_minutes=2
    )
    with TestClient(app, raise_server_exceptions=True) as client:
        yield client


def test_no_sandbox_route_is_served(staging: TestClient) -> None:
    for method, path in (
        ("GET", "/sandbox/players"),
        ("PUT", "/sandbox/players/p_x"),
        ("GET", "/sandbox/clock"),
        ("POST", "/sandbox/reset"),
        ("GET", "/sandbox/events"),
    ):
        reply = staging.request(method, path, json={} if method != "GET" else None)
        assert reply.status_code in (404, 405), (method, path, reply.status_code)
        assert reply.json()["code"] in ("NOT_FOUND", "METHOD_NOT_ALLOWED")


def test_the_token_endpoint_and_the_seeded_kit_still_work(staging: TestClient) -> None:
    api = ContractClient(staging)
    body = {"game_id": "game_slots_demo", "currency": "EUR", "locale": "en-GB"}
    opened = api.call("POST", "/v1/sessions", {"player_id": "p_demo_1", **body})
    assert opened.status_code == 201
    session = opened.json()
    lifetime = _seconds(session["expires_at"]) - _seconds(session["created_at"])
    assert lifetime == 120  # session_minutes=2
    # The kit's KYC players are refused a session with their own code.
    for player, code in (("p_kyc_pending", "KYC_PENDING"), ("p_kyc_denied", "KYC_DENIED")):
        reply = api.call("POST", "/v1/sessions", {"player_id": player, **body})
        assert (reply.status_code, reply.json()["code"]) == (403, code)
    yen = api.call("GET", "/v1/players/p_demo_jpy/balance").json()
    assert yen["cash"] == {"amount": "10000", "currency": "JPY"}


def _seconds(stamp: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()
