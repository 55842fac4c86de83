"""The sandbox clock (PUT /sandbox/clock): time travel for the domain, not for signatures."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from croupier.reference_impl import create_app

from .conftest import CONTRACT, TestClient, authorize, balance, events, open_session, settle
from .test_rg_bonus_jackpot import eur, issue_bonus, set_limits

MINUTE = 60


def move_clock(http, api, seconds: int) -> datetime:
    """Set the clock offset; drop the client's token (it may have expired on the new clock)."""
    r = http.put("/sandbox/clock", json={"offset_seconds": seconds})
    assert r.status_code == 200, r.text
    assert r.json()["offset_seconds"] == seconds
    api._token = None
    return datetime.fromisoformat(r.json()["now"].replace("Z", "+00:00"))


def test_clock_is_set_read_validated_and_reset(http):
    r = http.get("/sandbox/clock")
    assert r.status_code == 200 and r.json()["offset_seconds"] == 0
    r = http.put("/sandbox/clock", json={"offset_seconds": 3660})
    now = datetime.fromisoformat(r.json()["now"].replace("Z", "+00:00"))
    assert abs((now - datetime.now(UTC)).total_seconds() - 3660) < 5
    assert http.get("/sandbox/clock").json()["offset_seconds"] == 3660
    assert abs(datetime.fromisoformat(http.get("/health").json()["time"]) - now).seconds < 5
    # forward only, at most a year, whole seconds, nothing else
    for bad in ({"offset_seconds": -1}, {"offset_seconds": 31536001}, {"offset_seconds": 1.5}):
        r = http.put("/sandbox/clock", json=bad)
        assert r.status_code == 422 and r.json()["code"] == "VALIDATION_FAILED", bad
    r = http.put("/sandbox/clock", json={"offset_seconds": 1, "extra": 1})
    assert r.status_code == 422
    assert http.get("/sandbox/clock").json()["offset_seconds"] == 3660
    http.post("/sandbox/reset", json={})
    assert http.get("/sandbox/clock").json()["offset_seconds"] == 0


def test_session_time_limit_and_expiry_follow_the_clock(api, http):
    sid = open_session(api)
    issued_on_real_clock = api.token()
    set_limits(http, session_time_minutes=30)
    assert authorize(api, sid, "b-c1").status_code == 200
    move_clock(http, api, 31 * MINUTE)
    before = balance(api)
    r = authorize(api, sid, "b-c2")
    assert r.status_code == 403 and r.json()["code"] == "RG_TIME_LIMIT", r.text
    details = r.json()["details"]
    assert (details["kind"], details["limit"], details["remaining"]) == ("session_time", 30, 0)
    assert balance(api) == before
    assert events(http, event_type="rg.limit.hit")[-1]["payload"]["code"] == "RG_TIME_LIMIT"
    # 61 minutes on: the 60-minute session has expired as well (expiry is checked first),
    # and the token issued on the real clock has outlived its hour.
    move_clock(http, api, 61 * MINUTE)
    api._token = issued_on_real_clock
    r = api.call("GET", f"/v1/sessions/{sid}")
    assert r.status_code == 401 and r.json()["code"] == "INVALID_TOKEN"
    api._token = None
    assert api.call("GET", f"/v1/sessions/{sid}").json()["status"] == "expired"
    r = authorize(api, sid, "b-c3")
    assert r.status_code == 409 and r.json()["code"] == "SESSION_EXPIRED"
    r = api.call("POST", "/v1/rg/check", {"player_id": "p_demo_1", "session_id": sid})
    assert r.json()["code"] == "RG_TIME_LIMIT"
    # money owed is still paid on the expired session
    assert settle(api, "b-c1", "2.00").status_code == 200
    assert balance(api)["cash"]["amount"] == "101.00"


def test_bonus_expires_at_its_deadline_on_the_clock(api, http):
    deadline = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
    bonus = issue_bonus(http, "20.00", expires=deadline.strftime("%Y-%m-%dT%H:%M:%SZ"))
    move_clock(http, api, 86400 - 120)  # just before the deadline: still active
    assert balance(api)["bonus"] == eur("20.00")
    assert not events(http, event_type="bonus.expired")
    move_clock(http, api, 86400 + 60)
    b = balance(api)
    assert b["bonus"] == eur("0.00") and b["cash"] == eur("100.00")
    expired = events(http, event_type="bonus.expired")
    assert [e["payload"] for e in expired] == [
        {"bonus_id": bonus["bonus_id"], "forfeited": eur("20.00")}
    ]
    debits = [
        e["payload"]
        for e in events(http, event_type="wallet.debit")
        if e["payload"]["reason"] == "bonus_expiry"
    ]
    assert [d["amount"] for d in debits] == [eur("20.00")]
    player = http.get("/sandbox/players/p_demo_1").json()
    assert player["bonuses"][0]["status"] == "expired"
    # a deadline in the past of the shifted clock is refused
    r = http.post(
        "/sandbox/players/p_demo_1/bonuses",
        json={
            "amount": eur("5.00"),
            "wagering_multiplier": 1,
            "max_bet": eur("1.00"),
            "expires_at": (deadline - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        },
    )
    assert r.status_code == 422 and r.json()["details"]["field"] == "expires_at"


def test_reality_check_fires_on_the_clock(api, http):
    sid = open_session(api)
    set_limits(http, reality_check_minutes=30)
    assert authorize(api, sid, "b-r1").status_code == 200
    assert not events(http, event_type="rg.reality_check")
    move_clock(http, api, 31 * MINUTE)
    assert authorize(api, sid, "b-r2").status_code == 200
    checks = events(http, event_type="rg.reality_check")
    assert len(checks) == 1
    payload = checks[0]["payload"]
    assert payload["interval_minutes"] == 30 and payload["elapsed_minutes"] >= 31
    assert payload["staked"] == eur("2.00")


def test_loss_limit_period_rolls_over_on_the_clock(api, http):
    sid = open_session(api)
    set_limits(http, loss_limit={"amount": eur("5.00"), "period": "day"})
    authorize(api, sid, "b-l1", "5.00")
    settle(api, "b-l1", "0.00")
    r = authorize(api, sid, "b-l2", "1.00")
    assert r.status_code == 403 and r.json()["code"] == "RG_LOSS_LIMIT"
    resets_at = datetime.fromisoformat(r.json()["details"]["resets_at"].replace("Z", "+00:00"))
    move_clock(http, api, int((resets_at - datetime.now(UTC)).total_seconds()) + 5)
    sid = open_session(api)  # the old session may have expired meanwhile
    assert authorize(api, sid, "b-l3", "1.00").status_code == 200
    assert balance(api)["cash"] == eur("94.00")


def test_signatures_keep_the_real_clock(api, http):
    ahead = 2 * 3600
    move_clock(http, api, ahead)
    body = {
        "player_id": "p_demo_1",
        "game_id": "game_slots_demo",
        "currency": "EUR",
        "locale": "en-GB",
    }
    assert api.call("POST", "/v1/sessions", body, timestamp=int(time.time())).status_code == 201
    r = api.call("POST", "/v1/sessions", body, timestamp=int(time.time()) + ahead)
    assert r.status_code == 401 and r.json()["code"] == "INVALID_SIGNATURE"


def test_a_database_from_before_the_clock_gains_it(http, database_url):
    """An existing database without the clock column is migrated on start."""

    async def drop_column():
        from sqlalchemy import text

        async with http.app.state.sandbox.store.engine.begin() as conn:
            await conn.execute(text("ALTER TABLE controls DROP COLUMN clock_offset"))

    http.portal.call(drop_column)
    with TestClient(create_app(database_url, nats_url=None, contract=CONTRACT)) as again:
        assert again.put("/sandbox/clock", json={"offset_seconds": 5}).status_code == 200
        assert again.get("/sandbox/clock").json()["offset_seconds"] == 5
