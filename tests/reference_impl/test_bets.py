"""Bet lifecycle, idempotency and money rules (DESIGN.md §3), on both backends."""

from __future__ import annotations

import pytest

from .conftest import authorize, balance, events, open_session, rollback, settle


def test_authorize_settle_moves_money_and_emits_events(api, http):
    sid = open_session(api)
    r = authorize(api, sid, "b-1", "1.00")
    assert r.status_code == 200
    assert r.json()["balance"]["available"]["amount"] == "99.00"
    assert r.json()["balance"]["held"]["amount"] == "1.00"
    r = settle(api, "b-1", "5.00")
    assert r.status_code == 200 and r.json()["status"] == "settled"
    assert balance(api)["cash"]["amount"] == "104.00"
    types = [e["event_type"] for e in events(http, player_id="p_demo_1")]
    assert types == [
        "session.started",
        "bet.authorized",
        "wallet.debit",
        "bet.settled",
        "wallet.credit",
    ]
    bet = api.call("GET", "/v1/bets/b-1").json()
    assert [m["action"] for m in bet["history"]] == ["authorize", "settle"]


def test_zero_win_is_allowed_and_emits_no_credit(api, http):
    sid = open_session(api)
    authorize(api, sid, "b-0")
    assert settle(api, "b-0", "0.00").status_code == 200
    assert balance(api)["cash"]["amount"] == "99.00"
    assert "wallet.credit" not in [e["event_type"] for e in events(http)]


def test_settle_unknown_bet_is_404(api):
    r = settle(api, "b-never")
    assert r.status_code == 404 and r.json()["code"] == "BET_NOT_FOUND"


def test_rollback_unknown_leaves_tombstone_and_late_authorize_is_refused(api):
    sid = open_session(api)
    r = rollback(api, "b-late")
    assert r.status_code == 200 and r.json()["tombstone"] is True
    assert r.json()["released"]["amount"] == "0.00"
    r = authorize(api, sid, "b-late")
    assert r.status_code == 409 and r.json()["code"] == "BET_ROLLED_BACK"
    detail = api.call("GET", "/v1/bets/b-late").json()
    assert detail["status"] == "rolled_back" and detail["stake"] is None
    assert balance(api)["available"]["amount"] == "100.00"


@pytest.mark.parametrize(
    ("first", "second", "code"),
    [
        # a final bet refuses the other final transition
        ("settle", "rollback", "BET_ALREADY_SETTLED"),
        ("rollback", "settle", "BET_ROLLED_BACK"),
        # and the same transition under a new key
        ("settle", "settle", "BET_ALREADY_SETTLED"),
        ("rollback", "rollback", "BET_ROLLED_BACK"),
    ],
)
def test_final_states_refuse_transitions(api, first, second, code):
    sid = open_session(api)
    authorize(api, sid, "b-f")
    do = {"settle": lambda: settle(api, "b-f", "2.00"), "rollback": lambda: rollback(api, "b-f")}
    assert do[first]().status_code == 200
    before = balance(api)
    r = do[second]()
    assert r.status_code == 409 and r.json()["code"] == code
    assert balance(api) == before


def test_rollback_releases_the_hold(api, http):
    sid = open_session(api)
    authorize(api, sid, "b-r", "10.00")
    r = rollback(api, "b-r")
    assert r.status_code == 200 and r.json()["released"]["amount"] == "10.00"
    assert balance(api)["available"]["amount"] == "100.00"
    assert balance(api)["held"]["amount"] == "0.00"


def test_replay_is_byte_for_byte_with_no_second_movement(api):
    sid = open_session(api)
    first = authorize(api, sid, "b-i", key="idem-replay-0001")
    again = authorize(api, sid, "b-i", key="idem-replay-0001")
    assert again.status_code == first.status_code == 200
    assert again.content == first.content
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert balance(api)["available"]["amount"] == "99.00"


def test_same_key_other_body_is_mismatch(api):
    sid = open_session(api)
    authorize(api, sid, "b-m", "1.00", key="idem-mismatch-01")
    r = authorize(api, sid, "b-m", "2.00", key="idem-mismatch-01")
    assert r.status_code == 409 and r.json()["code"] == "IDEMPOTENCY_MISMATCH"
    assert r.json()["retryable"] is False


def test_new_key_for_existing_bet_is_duplicate(api):
    sid = open_session(api)
    authorize(api, sid, "b-d")
    r = authorize(api, sid, "b-d")
    assert r.status_code == 409 and r.json()["code"] == "DUPLICATE"
    assert balance(api)["available"]["amount"] == "99.00"


def test_insufficient_funds_reports_the_unchanged_balance(api):
    sid = open_session(api, "p_low_balance")
    before = balance(api, "p_low_balance")
    r = authorize(api, sid, "b-low", "1.00", player="p_low_balance")
    assert r.status_code == 402 and r.json()["code"] == "INSUFFICIENT_FUNDS"
    assert r.json()["details"]["balance"] == before == balance(api, "p_low_balance")


@pytest.mark.parametrize(
    ("amount", "currency", "code"),
    [
        # precision beyond the currency's exponent, signs, exponents, zero, garbage
        ("1.005", "EUR", "INVALID_AMOUNT"),
        ("-1.00", "EUR", "INVALID_AMOUNT"),
        ("1e2", "EUR", "INVALID_AMOUNT"),
        ("0.00", "EUR", "INVALID_AMOUNT"),
        ("NaN", "EUR", "INVALID_AMOUNT"),
        (" 1.00", "EUR", "INVALID_AMOUNT"),
        ("99999999999999999999999", "EUR", "INVALID_AMOUNT"),
        (1.5, "EUR", "INVALID_AMOUNT"),
        (1, "EUR", "INVALID_AMOUNT"),
        # a real currency that is not the wallet's
        ("1.00", "USD", "WRONG_CURRENCY"),
        # not a currency at all
        ("1.00", "XXX", "VALIDATION_FAILED"),
    ],
)
def test_bad_stakes_are_refused_without_moving_money(api, amount, currency, code):
    sid = open_session(api)
    r = authorize(api, sid, "b-bad", amount, currency=currency)
    assert r.status_code == 422 and r.json()["code"] == code, r.text
    assert balance(api)["available"]["amount"] == "100.00"


def test_win_breakdown_must_add_up(api):
    sid = open_session(api)
    authorize(api, sid, "b-wb")
    r = settle(
        api,
        "b-wb",
        "5.00",
        win_breakdown={"base": {"amount": "4.00", "currency": "EUR"}},
    )
    assert r.status_code == 422 and r.json()["code"] == "WIN_BREAKDOWN_MISMATCH"


def test_expired_session_refuses_bets_but_pays_wins(api, http):
    sid = open_session(api)
    authorize(api, sid, "b-e1")
    assert http.post(f"/sandbox/sessions/{sid}/expire").json()["status"] == "expired"
    r = authorize(api, sid, "b-e2")
    assert r.status_code == 409 and r.json()["code"] == "SESSION_EXPIRED"
    assert settle(api, "b-e1", "3.00").status_code == 200
    assert balance(api)["cash"]["amount"] == "102.00"
    ended = events(http, event_type="session.ended")
    assert ended and ended[-1]["payload"]["reason"] == "expired"


def test_session_lifecycle(api):
    sid = open_session(api)
    assert api.call("GET", f"/v1/sessions/{sid}").json()["status"] == "active"
    r = api.call("POST", f"/v1/sessions/{sid}/end", {"reason": "player_logout"})
    assert r.status_code == 200 and r.json()["status"] == "ended"
    r = api.call("POST", f"/v1/sessions/{sid}/end", {"reason": "player_logout"})
    assert r.status_code == 409 and r.json()["code"] == "SESSION_CLOSED"
    r = api.call("GET", "/v1/sessions/ses_nope")
    assert r.status_code == 404 and r.json()["code"] == "SESSION_NOT_FOUND"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"player_id": "p_nobody", "game_id": "game_slots_demo"}, 404, "PLAYER_NOT_FOUND"),
        ({"player_id": "p_demo_1", "game_id": "game_nope"}, 404, "GAME_NOT_FOUND"),
        ({"player_id": "p_demo_1", "currency": "USD"}, 422, "WRONG_CURRENCY"),
        ({"player_id": "p_blocked_rg"}, 403, "RG_SELF_EXCLUDED"),
    ],
)
def test_session_refusals(api, body, status, code):
    full = {
        "player_id": "p_demo_1",
        "game_id": "game_slots_demo",
        "currency": "EUR",
        "locale": "en-GB",
        **body,
    }
    r = api.call("POST", "/v1/sessions", full)
    assert r.status_code == status and r.json()["code"] == code


@pytest.mark.parametrize(("answer", "code"), [("deny", "KYC_DENIED"), ("pending", "KYC_PENDING")])
def test_kyc_answers(api, http, answer, code):
    sid = open_session(api)
    http.put("/sandbox/players/p_demo_1/kyc", json={"status": answer})
    r = authorize(api, sid, "b-k")
    assert r.status_code == 403 and r.json()["code"] == code
    r = api.call(
        "POST",
        "/v1/sessions",
        {
            "player_id": "p_demo_1",
            "game_id": "game_slots_demo",
            "currency": "EUR",
            "locale": "en-GB",
        },
    )
    assert r.status_code == 403 and r.json()["code"] == code


def test_mixed_movements_add_up(api):
    sid = open_session(api)
    for i in range(5):
        authorize(api, sid, f"b-l{i}", "2.00")
    settle(api, "b-l0", "7.00")
    rollback(api, "b-l1")
    b = balance(api)
    # 100 - 5 x 2 held + 7 won + 2 released; three stakes still held
    assert b["cash"]["amount"] == "99.00"
    assert b["held"]["amount"] == "6.00"
