"""Responsible gaming, bonus wagering and jackpot pools, as emulated by the sandbox."""

from __future__ import annotations

import pytest

from .conftest import authorize, balance, events, open_session, settle

NO_LIMITS = {
    "loss_limit": None,
    "stake_limit": None,
    "session_time_minutes": None,
    "self_excluded": False,
    "self_excluded_until": None,
    "reality_check_minutes": None,
}


def eur(amount):
    return {"amount": amount, "currency": "EUR"}


def set_limits(http, player="p_demo_1", **limits):
    r = http.put(f"/sandbox/players/{player}/limits", json={**NO_LIMITS, **limits})
    assert r.status_code == 200, r.text
    return r.json()


def test_stake_limit(api, http):
    sid = open_session(api)
    set_limits(http, stake_limit=eur("5.00"))
    r = authorize(api, sid, "b-s", "6.00")
    assert r.status_code == 403 and r.json()["code"] == "RG_STAKE_LIMIT"
    assert r.json()["details"]["limit"] == eur("5.00")
    hit = events(http, event_type="rg.limit.hit")
    assert hit[-1]["payload"]["code"] == "RG_STAKE_LIMIT"
    assert authorize(api, sid, "b-s2", "5.00").status_code == 200


def test_loss_limit_counts_net_losses(api, http):
    sid = open_session(api)
    set_limits(http, loss_limit={"amount": eur("10.00"), "period": "day"})
    authorize(api, sid, "b-1", "6.00")
    settle(api, "b-1", "1.00")  # net loss 5
    r = authorize(api, sid, "b-2", "6.00")
    assert r.status_code == 403 and r.json()["code"] == "RG_LOSS_LIMIT"
    assert r.json()["details"]["remaining"] == eur("5.00")
    assert r.json()["details"]["resets_at"].endswith("T00:00:00Z")
    assert authorize(api, sid, "b-3", "5.00").status_code == 200


def test_most_restrictive_refusal_wins(api, http):
    sid = open_session(api)
    set_limits(http, stake_limit=eur("1.00"), loss_limit={"amount": eur("2.00"), "period": "week"})
    r = authorize(api, sid, "b-x", "3.00")
    assert r.json()["code"] == "RG_LOSS_LIMIT"
    set_limits(http, stake_limit=eur("1.00"), self_excluded=True)
    r = authorize(api, sid, "b-y", "3.00")
    assert r.json()["code"] == "RG_SELF_EXCLUDED"


def test_session_time_limit(api, http):
    sid = open_session(api)
    set_limits(http, session_time_minutes=1)
    assert authorize(api, sid, "b-t1").status_code == 200

    # A session that started long ago: move its start back through the store.
    async def age():
        from datetime import timedelta

        from croupier.reference_impl._store import Session

        store = http.app.state.sandbox.store
        async with store.session() as s, s.begin():
            row = await s.get(Session, sid)
            row.created_at -= timedelta(minutes=5)

    http.portal.call(age)
    r = authorize(api, sid, "b-t2")
    assert r.status_code == 403 and r.json()["code"] == "RG_TIME_LIMIT"


def test_rg_check_answers_without_moving_money(api, http):
    set_limits(http, stake_limit=eur("2.00"))
    r = api.call("POST", "/v1/rg/check", {"player_id": "p_demo_1", "stake": eur("3.00")})
    assert r.status_code == 200
    assert r.json()["allowed"] is False and r.json()["code"] == "RG_STAKE_LIMIT"
    r = api.call("POST", "/v1/rg/check", {"player_id": "p_blocked_rg"})
    assert r.json()["code"] == "RG_SELF_EXCLUDED"
    assert balance(api)["available"]["amount"] == "100.00"
    assert not events(http, event_type="rg.limit.hit")


def test_excluded_player_is_still_paid(api, http):
    sid = open_session(api)
    authorize(api, sid, "b-p")
    set_limits(http, self_excluded=True)
    assert authorize(api, sid, "b-q").json()["code"] == "RG_SELF_EXCLUDED"
    assert settle(api, "b-p", "10.00").status_code == 200
    assert balance(api)["cash"]["amount"] == "109.00"


def test_reality_check_is_emitted_when_due(api, http):
    sid = open_session(api)
    set_limits(http, reality_check_minutes=1)

    async def age():
        from datetime import timedelta

        from croupier.reference_impl._store import Session

        async with http.app.state.sandbox.store.session() as s, s.begin():
            row = await s.get(Session, sid)
            row.last_reality_check_at -= timedelta(minutes=2)

    http.portal.call(age)
    authorize(api, sid, "b-rc")
    checks = events(http, event_type="rg.reality_check")
    assert len(checks) == 1 and checks[0]["payload"]["interval_minutes"] == 1


def issue_bonus(http, amount="20.00", multiplier=2, max_bet="5.00", expires="2099-01-01T00:00:00Z"):
    r = http.post(
        "/sandbox/players/p_demo_1/bonuses",
        json={
            "amount": eur(amount),
            "wagering_multiplier": multiplier,
            "max_bet": eur(max_bet),
            "expires_at": expires,
            "contributions": {"slots": 100, "table": 10},
        },
    )
    assert r.status_code == 201, r.text
    return r.json()


def test_bonus_funds_max_bet_and_wagering(api, http):
    http.put("/sandbox/players/p_demo_1", json={"currency": "EUR", "cash": "3.00"})
    issue_bonus(http, "10.00", multiplier=1)
    sid = open_session(api)
    r = authorize(api, sid, "b-big", "6.00")
    assert r.status_code == 422 and r.json()["code"] == "MAX_BET_EXCEEDED"
    r = authorize(api, sid, "b-mix", "5.00")  # 3.00 cash + 2.00 bonus
    assert r.status_code == 200
    assert r.json()["balance"]["cash"]["amount"] == "0.00"
    assert r.json()["balance"]["bonus"]["amount"] == "8.00"
    settle(api, "b-mix", "0.00")
    sid = open_session(api)
    authorize(api, sid, "b-w2", "5.00")
    settle(api, "b-w2", "0.00")  # wagered 10 of 10: the bonus converts to cash
    b = balance(api)
    assert b["bonus"]["amount"] == "0.00" and b["cash"]["amount"] == "3.00"
    progress = events(http, event_type="wager.progress.updated")
    assert progress[-1]["payload"]["completed"] is True
    assert events(http, event_type="bonus.consumed")
    player = http.get("/sandbox/players/p_demo_1").json()
    assert player["bonuses"][0]["status"] == "completed"


def test_bonus_expiry_forfeits(api, http):
    bonus = issue_bonus(http, expires="2099-01-01T00:00:00Z")

    async def expire():
        from datetime import UTC, datetime

        from croupier.reference_impl._store import Bonus

        async with http.app.state.sandbox.store.session() as s, s.begin():
            row = await s.get(Bonus, bonus["bonus_id"])
            row.expires_at = datetime(2000, 1, 1, tzinfo=UTC)

    http.portal.call(expire)
    assert balance(api)["bonus"]["amount"] == "0.00"
    expired = events(http, event_type="bonus.expired")
    assert expired[0]["payload"]["forfeited"] == eur("20.00")


def test_jackpot_contribution_and_payout(api, http):
    sid = open_session(api)
    r = authorize(api, sid, "b-j", "10.00", jackpot_pool_ids=["jp_mega", "jp_daily"])
    assert r.status_code == 200
    pools = {p["pool_id"]: p for p in api.call("GET", "/v1/jackpots").json()["pools"]}
    assert pools["jp_mega"]["amount"] == eur("10000.10")
    assert pools["jp_daily"]["amount"] == eur("100.05")
    wrong = settle(
        api,
        "b-j",
        "100.00",
        win_breakdown={
            "base": eur("0.00"),
            "jackpots": [{"pool_id": "jp_daily", "amount": eur("100.00")}],
        },
    )
    assert wrong.status_code == 409 and wrong.json()["code"] == "JACKPOT_AMOUNT_MISMATCH"
    r = settle(
        api,
        "b-j",
        "101.05",
        win_breakdown={
            "base": eur("1.00"),
            "jackpots": [{"pool_id": "jp_daily", "amount": eur("100.05")}],
        },
    )
    assert r.status_code == 200, r.text
    assert api.call("GET", "/v1/jackpots/jp_daily").json()["amount"] == eur("100.00")
    assert events(http, event_type="jackpot.won")[0]["payload"]["amount"] == eur("100.05")
    assert len(events(http, event_type="jackpot.contributed")) == 2


def test_trigger_jackpot(api, http):
    r = http.post("/sandbox/jackpots/jp_daily/trigger", json={"player_id": "p_demo_1"})
    assert r.status_code == 200 and r.json()["paid"] == eur("100.00")
    assert balance(api)["cash"]["amount"] == "200.00"
    r = http.post("/sandbox/jackpots/jp_daily/trigger", json={"player_id": "p_demo_2"})
    assert r.status_code == 422 and r.json()["code"] == "WRONG_CURRENCY"
    r = api.call("GET", "/v1/jackpots/jp_none")
    assert r.status_code == 404 and r.json()["code"] == "JACKPOT_NOT_FOUND"


@pytest.mark.parametrize(
    ("mode", "check"),
    [
        ("new_sessions", "session"),
        ("jackpots", "jackpots"),
        ("promotions", "bonus"),
    ],
)
def test_degradation_modes(api, http, mode, check):
    modes = {"new_sessions": True, "promotions": True, "jackpots": True, mode: False}
    assert http.put("/sandbox/degradation", json=modes).json() == modes
    assert http.get("/health").json()["status"] == "degraded"
    if check == "session":
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
        assert r.status_code == 503 and r.json()["code"] == "NEW_SESSIONS_DISABLED"
    elif check == "jackpots":
        r = api.call("GET", "/v1/jackpots")
        assert r.status_code == 503 and r.json()["code"] == "FEATURE_DISABLED"
    else:
        r = http.post(
            "/sandbox/players/p_demo_1/bonuses",
            json={
                "amount": eur("5.00"),
                "wagering_multiplier": 1,
                "max_bet": eur("1.00"),
                "expires_at": "2099-01-01T00:00:00Z",
            },
        )
        assert r.status_code == 503 and r.json()["code"] == "FEATURE_DISABLED"
