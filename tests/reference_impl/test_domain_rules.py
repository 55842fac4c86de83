"""DESIGN.md §3 rules not covered elsewhere: money owed is paid, replays, refusals keep money."""

from __future__ import annotations

import pytest

from .conftest import authorize, balance, events, open_session, rollback, settle
from .test_clock import move_clock
from .test_rg_bonus_jackpot import eur, issue_bonus, set_limits


def outbox_size(http) -> int:
    return len(http.get("/sandbox/events", params={"limit": 1000}).json()["events"])


# ------------------------------------------------------------------ putTestPlayer currency


def test_currency_change_of_a_player_with_bets_is_wrong_currency(api, http):
    sid = open_session(api)
    authorize(api, sid, "b-cur")
    before = http.get("/sandbox/players/p_demo_1").json()
    r = http.put("/sandbox/players/p_demo_1", json={"currency": "USD", "cash": "10.00"})
    assert r.status_code == 422 and r.json()["code"] == "WRONG_CURRENCY"
    assert http.get("/sandbox/players/p_demo_1").json() == before
    # a player with no bets, holds or bonus funds may change currency
    http.put("/sandbox/players/p_fresh_1", json={"currency": "EUR", "cash": "1.00"})
    r = http.put("/sandbox/players/p_fresh_1", json={"currency": "JPY", "cash": "100"})
    assert r.status_code == 200 and r.json()["balance"]["cash"]["amount"] == "100"


def test_currency_change_with_bonus_funds_is_wrong_currency(http):
    http.put("/sandbox/players/p_fresh_2", json={"currency": "EUR", "cash": "1.00"})
    http.post(
        "/sandbox/players/p_fresh_2/bonuses",
        json={
            "amount": eur("5.00"),
            "wagering_multiplier": 1,
            "max_bet": eur("1.00"),
            "expires_at": "2099-01-01T00:00:00Z",
        },
    )
    r = http.put("/sandbox/players/p_fresh_2", json={"currency": "USD", "cash": "1.00"})
    assert r.status_code == 422 and r.json()["code"] == "WRONG_CURRENCY"


# ------------------------------------------------------------------ money owed is always paid


def _expire(api, http, sid):
    assert http.post(f"/sandbox/sessions/{sid}/expire").status_code == 200


def _exclude(api, http, sid):
    set_limits(http, self_excluded=True)


def _block(api, http, sid):
    http.put(
        "/sandbox/players/p_demo_1", json={"currency": "EUR", "cash": "99.00", "blocked": True}
    )


@pytest.mark.parametrize(
    "state", [_expire, _exclude, _block], ids=["expired", "excluded", "blocked"]
)
@pytest.mark.parametrize(
    ("action", "cash"),
    [
        # a win is credited, a rollback releases the stake
        ("settle", "104.00"),
        ("rollback", "100.00"),
    ],
)
def test_wins_and_rollbacks_are_accepted(api, http, state, action, cash):
    sid = open_session(api)
    assert authorize(api, sid, "b-owed").status_code == 200
    state(api, http, sid)
    r = settle(api, "b-owed", "5.00") if action == "settle" else rollback(api, "b-owed")
    assert r.status_code == 200, r.text
    b = balance(api)
    assert (b["cash"]["amount"], b["held"]["amount"]) == (cash, "0.00")


# ------------------------------------------------------------------ KYC


def test_kyc_pending_is_not_stored_so_the_retry_succeeds(api, http):
    sid = open_session(api)
    http.put("/sandbox/players/p_demo_1/kyc", json={"status": "pending"})
    r = authorize(api, sid, "b-kyc", key="idem-kyc-pending")
    assert r.status_code == 403 and r.json()["code"] == "KYC_PENDING" and r.json()["retryable"]
    http.put("/sandbox/players/p_demo_1/kyc", json={"status": "allow"})
    r = authorize(api, sid, "b-kyc", key="idem-kyc-pending")
    assert r.status_code == 200 and "idempotent-replayed" not in r.headers


# ------------------------------------------------------------------ most restrictive wins

ALL_LIMITS = {
    "self_excluded": True,
    "session_time_minutes": 1,
    "loss_limit": {"amount": eur("2.00"), "period": "day"},
    "stake_limit": eur("1.00"),
}


@pytest.mark.parametrize(
    ("drop", "code"),
    [
        # every limit refuses a 3.00 stake two minutes into the session: the order decides
        ((), "RG_SELF_EXCLUDED"),
        (("self_excluded",), "RG_TIME_LIMIT"),
        (("self_excluded", "session_time_minutes"), "RG_LOSS_LIMIT"),
        (("self_excluded", "session_time_minutes", "loss_limit"), "RG_STAKE_LIMIT"),
    ],
)
def test_most_restrictive_wins_in_order(api, http, drop, code):
    sid = open_session(api)
    set_limits(http, **{k: v for k, v in ALL_LIMITS.items() if k not in drop})
    move_clock(http, api, 120)
    before, emitted = balance(api), outbox_size(http)
    r = authorize(api, sid, "b-rg", "3.00")
    assert r.status_code == 403 and r.json()["code"] == code
    assert set(r.json()["details"]) >= {"limit", "remaining", "resets_at"}
    assert balance(api) == before
    assert [e["event_type"] for e in events(http)][emitted:] == ["rg.limit.hit"]
    check = {"player_id": "p_demo_1", "session_id": sid, "stake": eur("3.00")}
    assert api.call("POST", "/v1/rg/check", check).json()["code"] == code


# ------------------------------------------------------------------ byte-for-byte replays


def _replays(api, http, sid):
    authorize(api, sid, "b-s")
    authorize(api, sid, "b-r")
    return {
        "settle": lambda key: settle(api, "b-s", "3.00", key=key),
        "rollback": lambda key: rollback(api, "b-r", key=key),
        "tombstone": lambda key: rollback(api, "b-unknown", key=key),
        # A stored refusal replays its first trace id: the retry reuses it, so the Error's
        # trace_id still matches the X-Trace-Id echoed.
        "refusal": lambda key: api.call(
            "POST",
            "/v1/bets/authorize",
            {
                "bet_id": "b-big",
                "round_id": "r-b-big",
                "session_id": sid,
                "player_id": "p_demo_1",
                "game_id": "game_slots_demo",
                "stake": eur("1000.00"),
            },
            idempotency_key=key,
            trace_id="trc-replayed-refusal",
        ),
        "session": lambda key: api.call(
            "POST",
            "/v1/sessions",
            {
                "player_id": "p_demo_1",
                "game_id": "game_slots_demo",
                "currency": "EUR",
                "locale": "en-GB",
            },
            idempotency_key=key,
        ),
    }


@pytest.mark.parametrize("which", ["settle", "rollback", "tombstone", "refusal", "session"])
def test_replay_is_byte_for_byte(api, http, which):
    sid = open_session(api)
    call = _replays(api, http, sid)[which]
    first = call("idem-replay-" + which)
    after_first, emitted = balance(api), outbox_size(http)
    again = call("idem-replay-" + which)
    assert again.status_code == first.status_code and again.content == first.content
    assert again.headers["idempotent-replayed"] == "true"
    assert balance(api) == after_first and outbox_size(http) == emitted


# ------------------------------------------------------------------ bad input keeps money

BIG = "9" * 400


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        # malformed JSON, oversized
        ("/v1/bets/authorize", b'{"bet_id": "b-x",', 400),
        ("/v1/bets/authorize", b'{"pad": "' + b"a" * 70000 + b'"}', 413),
        # floats and huge numbers for money
        (
            "/v1/bets/settle",
            b'{"bet_id":"b-h","round_id":"r-b-h","player_id":"p_demo_1",'
            b'"win":{"amount":5.5,"currency":"EUR"}}',
            422,
        ),
        (
            "/v1/bets/settle",
            b'{"bet_id":"b-h","round_id":"r-b-h","player_id":"p_demo_1",'
            b'"win":{"amount":' + BIG.encode() + b',"currency":"EUR"}}',
            422,
        ),
        (
            "/v1/bets/settle",
            b'{"bet_id":"b-h","round_id":"r-b-h","player_id":"p_demo_1",'
            b'"win":{"amount":"' + BIG.encode() + b'","currency":"EUR"}}',
            422,
        ),
        (
            "/v1/bets/settle",
            b'{"bet_id":"b-h","round_id":"r-b-h","player_id":"p_demo_1",'
            b'"win":{"amount":"1e400","currency":"EUR"}}',
            422,
        ),
        # unknown enum values
        ("/v1/bets/rollback", b'{"bet_id":"b-h","player_id":"p_demo_1","reason":"exploded"}', 422),
        (
            "/v1/bets/settle",
            b'{"bet_id":"b-h","round_id":"r-b-h","player_id":"p_demo_1",'
            b'"win":{"amount":"5.00","currency":"ZZZ"}}',
            422,
        ),
    ],
)
def test_bad_input_never_changes_a_balance(api, http, path, body, status):
    sid = open_session(api)
    authorize(api, sid, "b-h", "2.00")
    before, emitted = balance(api), outbox_size(http)
    r = api.call("POST", path, content=body, extra={"Content-Type": "application/json"})
    assert r.status_code == status, r.text
    assert balance(api) == before and outbox_size(http) == emitted


# ------------------------------------------------------------------ degradation modes


def _modes(http, **off):
    modes = {"new_sessions": True, "promotions": True, "jackpots": True, **off}
    assert http.put("/sandbox/degradation", json=modes).status_code == 200


def test_no_new_sessions_keeps_open_ones_working(api, http):
    sid = open_session(api)
    _modes(http, new_sessions=False)
    assert authorize(api, sid, "b-open").status_code == 200
    assert settle(api, "b-open", "1.00").status_code == 200


def test_jackpots_off_refuses_every_jackpot_feature_without_moving_money(api, http):
    sid = open_session(api)
    authorize(api, sid, "b-jp")
    _modes(http, jackpots=False)
    before = balance(api)
    r = authorize(api, sid, "b-jp2", jackpot_pool_ids=["jp_daily"])
    assert r.status_code == 503 and r.json()["code"] == "FEATURE_DISABLED"
    r = settle(
        api,
        "b-jp",
        "100.00",
        win_breakdown={
            "base": eur("0.00"),
            "jackpots": [{"pool_id": "jp_daily", "amount": eur("100.00")}],
        },
    )
    assert r.status_code == 503 and r.json()["code"] == "FEATURE_DISABLED"
    r = http.post("/sandbox/jackpots/jp_daily/trigger", json={"player_id": "p_demo_1"})
    assert r.status_code == 503
    assert api.call("GET", "/v1/jackpots/jp_daily").status_code == 503
    assert balance(api) == before
    assert authorize(api, sid, "b-jp3").status_code == 200  # plain play goes on


def test_promotions_off_refuses_bonus_funds_and_promo_wins(api, http):
    http.put("/sandbox/players/p_demo_1", json={"currency": "EUR", "cash": "2.00"})
    issue_bonus(http, "10.00", multiplier=1, max_bet="1.00")
    sid = open_session(api)
    authorize(api, sid, "b-pr", "1.00")
    _modes(http, promotions=False)
    before = balance(api)
    r = authorize(api, sid, "b-pr2", "3.00")  # would need bonus funds; no max bet meanwhile
    assert r.status_code == 503 and r.json()["code"] == "FEATURE_DISABLED"
    r = settle(api, "b-pr", "2.00", win_breakdown={"base": eur("1.00"), "promo": eur("1.00")})
    assert r.status_code == 503 and r.json()["code"] == "FEATURE_DISABLED"
    assert balance(api) == before
    assert authorize(api, sid, "b-pr3", "1.00").status_code == 200  # cash still plays
