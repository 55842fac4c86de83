"""A provider's tests against the Croupier sandbox, with croupier's pytest plugin."""

import uuid

import httpx
import pytest

PLAYER = {"player_id": "p_demo_1", "game_id": "game_slots_demo"}


def _session(client):
    return client.call("POST", "/v1/sessions", {**PLAYER, "currency": "EUR", "locale": "en-GB"})


def test_a_bet_is_held_and_every_answer_conforms(croupier_client, croupier_assert_conforms):
    session = _session(croupier_client)
    croupier_assert_conforms(session)
    bet = croupier_client.call(
        "POST",
        "/v1/bets/authorize",
        {
            **PLAYER,
            "bet_id": f"b-{uuid.uuid4().hex[:12]}",
            "round_id": f"r-{uuid.uuid4().hex[:12]}",
            "session_id": session.json()["session_id"],
            "stake": {"amount": "1.00", "currency": "EUR"},
        },
    )
    croupier_assert_conforms(bet)
    assert bet.status_code == 200 and bet.json()["status"] == "authorized"


def test_a_refusal_conforms_too(croupier_client, croupier_assert_conforms):
    settle = croupier_client.call(
        "POST",
        "/v1/bets/settle",
        {
            "bet_id": "b-never-authorized",
            "round_id": "r-none",
            "player_id": "p_demo_1",
            "win": {"amount": "0.00", "currency": "EUR"},
        },
    )
    croupier_assert_conforms(settle)
    assert settle.status_code == 404 and settle.json()["code"] == "BET_NOT_FOUND"


def test_a_platform_answer_that_breaks_the_contract_fails(
    croupier_sandbox, croupier_assert_conforms
):
    # What a provider's own fake of the platform might answer: money as a number, no trace id.
    request = httpx.Request(
        "GET",
        f"{croupier_sandbox.base_url}/v1/players/p_demo_1/balance",
        headers={"X-Trace-Id": "trc-provider-1"},
    )
    fake = httpx.Response(200, json={"player_id": "p_demo_1", "cash": 12.5}, request=request)
    with pytest.raises(AssertionError) as failure:
        croupier_assert_conforms(fake)
    assert "X-Trace-Id 'trc-provider-1' is not echoed" in str(failure.value)
    assert "is a required property" in str(failure.value)


def test_the_sandbox_resets(croupier_sandbox, croupier_client):
    croupier_sandbox.reset()
    balance = croupier_client.call("GET", "/v1/players/p_demo_1/balance")
    assert balance.status_code == 200
