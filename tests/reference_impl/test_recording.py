"""The recording sandbox: exchanges stored per provider, filters, HAR, and fault scripts played."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import pytest

from croupier import ContractClient, Credentials

from .conftest import authorize, balance, open_session, rollback, settle


def recordings(http: Any, **query: Any) -> list[dict[str, Any]]:
    r = http.get("/sandbox/recordings", params={"limit": 1000, **query})
    assert r.status_code == 200, r.text
    return list(r.json()["exchanges"])


def load(http: Any, **body: Any) -> dict[str, Any]:
    r = http.put("/sandbox/script", json=body)
    assert r.status_code == 200, r.text
    return dict(r.json())


def script(*steps: dict[str, Any], seed: int = 1) -> dict[str, Any]:
    return {"name": "test", "seed": seed, "steps": list(steps)}


@pytest.fixture(autouse=True)
def _fresh(http):
    http.delete("/sandbox/recordings")
    http.delete("/sandbox/script")


def test_every_v1_exchange_is_recorded_as_the_provider_saw_it(api, http):
    sid = open_session(api)
    r = authorize(api, sid, "b-rec-1", key="idem-rec-00001")
    assert r.status_code == 200
    http.get("/sandbox/players")  # control calls are not recorded
    rows = recordings(http)
    assert [row["operation_id"] for row in rows] == ["createSession", "authorizeBet"]
    row = rows[1]
    assert row["provider_id"] == "prov_demo" and row["brand_id"] == "brand_demo"
    assert row["region"] == "MT"
    assert (row["session_id"], row["bet_id"], row["player_id"]) == (sid, "b-rec-1", "p_demo_1")
    assert row["round_id"] == "r-b-rec-1"
    assert row["idempotency_key"] == "idem-rec-00001"
    assert row["trace_id"] == r.headers["x-trace-id"]
    assert row["signature"] == {"verdict": "valid", "reason": None}
    assert row["request"]["headers"]["authorization"] == "Bearer <redacted>"
    assert '"bet_id":"b-rec-1"' in row["request"]["body"]
    assert row["response"]["status"] == 200
    assert row["response"]["body"] == r.text
    assert row["response"]["headers"]["x-trace-id"] == row["trace_id"]
    assert row["elapsed_ms"] > 0 and row["fault"] is None
    # createSession's session id comes from the answer
    assert rows[0]["session_id"] == sid


def test_filters_by_provider_session_bet_player_time_and_pages(api, http):
    other = ContractClient(
        api.http, Credentials("sbx-2026a", "sandbox-secret-a", provider="prov_x")
    )
    sid = open_session(api)
    authorize(api, sid, "b-f-1")
    settle(api, "b-f-1")
    middle = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    time.sleep(0.01)
    authorize(api, sid, "b-f-2")
    other.call("GET", "/v1/players/p_demo_1/balance")
    assert {r["provider_id"] for r in recordings(http, provider_id="prov_x")} == {"prov_x"}
    assert len(recordings(http, provider_id="prov_demo")) == 4
    assert [r["operation_id"] for r in recordings(http, bet_id="b-f-1")] == [
        "authorizeBet",
        "settleBet",
    ]
    assert len(recordings(http, session_id=sid)) == 3  # create + two authorizes
    assert len(recordings(http, player_id="p_demo_1")) == 5
    assert [r["bet_id"] for r in recordings(http, since=middle)] == ["b-f-2", None]
    assert len(recordings(http, until=middle)) == 3
    first = http.get("/sandbox/recordings", params={"limit": 2}).json()
    assert len(first["exchanges"]) == 2
    rest = recordings(http, after=first["next_after"])
    assert [r["id"] for r in rest] == sorted(r["id"] for r in rest)
    assert len(rest) == 3 and rest[0]["id"] > first["exchanges"][-1]["id"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"bet_id": "bad id!"}, "bet_id"),
        ({"since": "yesterday"}, "since"),
        ({"since": "2026-12-04T10:00:00"}, "since"),  # no zone
        ({"limit": "0"}, "limit"),
        ({"after": "-1"}, "after"),
    ],
)
def test_a_bad_filter_is_a_422_with_the_field(http, query, field):
    r = http.get("/sandbox/recordings", params=query)
    assert r.status_code == 422
    assert r.json()["code"] == "VALIDATION_FAILED" and r.json()["details"] == {"field": field}


def test_har_export_is_har_1_2_with_croupier_facts(api, http):
    sid = open_session(api)
    authorize(api, sid, "b-har")
    r = http.get("/sandbox/recordings/har", params={"bet_id": "b-har"})
    assert r.status_code == 200
    log = r.json()["log"]
    assert log["version"] == "1.2" and log["creator"]["name"] == "croupier"
    (entry,) = log["entries"]
    assert entry["request"]["method"] == "POST"
    assert entry["request"]["url"].endswith("/v1/bets/authorize")
    names = {h["name"] for h in entry["request"]["headers"]}
    assert {"x-trace-id", "x-signature", "x-idempotency-key"} <= names
    assert '"b-har"' in entry["request"]["postData"]["text"]
    assert entry["response"]["status"] == 200
    assert '"status":"authorized"' in entry["response"]["content"]["text"]
    assert entry["_croupier"]["operation_id"] == "authorizeBet"
    assert entry["_croupier"]["signature"]["verdict"] == "valid"
    assert entry["time"] > 0 and entry["startedDateTime"].endswith("Z")


def test_signature_verdicts_are_recorded(api, http):
    api.call("GET", "/v1/players/p_demo_1/balance", sign=False)
    api.call(
        "GET",
        "/v1/players/p_demo_1/balance",
        extra={"X-Signature": "kid=sbx-2026a,ts=1,sig=" + "0" * 64},
    )
    api.call("GET", "/v1/players/p_demo_1/balance", drop=("X-Brand-Id",))
    verdicts = [r["signature"]["verdict"] for r in recordings(http)]
    assert verdicts == ["missing", "invalid", "unchecked"]
    assert "timestamp" in recordings(http)[1]["signature"]["reason"]


def test_script_errors_answer_in_place_and_move_no_money(api, http):
    load(
        http,
        script=script(
            {
                "id": "settle-503-twice",
                "operation_id": "settleBet",
                "nth": 2,
                "times": 2,
                "action": "error",
                "status": 503,
            }
        ),
    )
    sid = open_session(api)
    authorize(api, sid, "b-s1")
    assert settle(api, "b-s1", win="1.00").status_code == 200  # the 1st settle: untouched
    authorize(api, sid, "b-s2")
    codes = [settle(api, "b-s2", win="2.00", key="idem-settle-b-s2").status_code for _ in range(3)]
    assert codes == [503, 503, 200]
    # the two 503s did no work: one credit of 2.00 (100 - 1 + 1 - 1 + 2)
    assert balance(api)["cash"]["amount"] == "101.00"
    rows = recordings(http, bet_id="b-s2")
    faults = [r["fault"] for r in rows if r["operation_id"] == "settleBet"]
    assert faults[:2] == [
        [{"step": "settle-503-twice", "action": "error", "ordinal": 2}],
        [{"step": "settle-503-twice", "action": "error", "ordinal": 3}],
    ]
    assert faults[2] is None
    assert rows[1]["response"]["error_code"] == "TEMPORARY_ERROR"
    assert rows[1]["signature"]["verdict"] == "unchecked"
    fired = http.get("/sandbox/script").json()["fired"]
    assert [f["ordinal"] for f in fired] == [2, 3]


def test_script_timeout_does_the_work_and_answers_504(api, http):
    load(
        http,
        script=script(
            {
                "id": "auth-timeout",
                "operation_id": "authorizeBet",
                "action": "timeout",
                "delay_ms": 5,
            }
        ),
    )
    sid = open_session(api)
    r = authorize(api, sid, "b-to", amount="3.00")
    assert r.status_code == 504 and r.json()["code"] == "GATEWAY_TIMEOUT"
    assert r.json()["details"] == {"fault": "timeout", "step": "auth-timeout"}
    assert balance(api)["held"]["amount"] == "3.00"  # the hold was placed
    assert rollback(api, "b-to").status_code == 200
    assert balance(api)["held"]["amount"] == "0.00"


def test_script_delay_answers_late(api, http):
    load(
        http,
        script=script(
            {"id": "slow", "operation_id": "getBalance", "action": "delay", "delay_ms": 300}
        ),
    )
    balance(api)
    balance(api)
    slow, fast = recordings(http)
    assert slow["elapsed_ms"] >= 300 and slow["fault"][0]["action"] == "delay"
    assert fast["fault"] is None


@pytest.mark.parametrize(
    ("step", "code"),
    [
        ({"action": "expire_session"}, "SESSION_EXPIRED"),
        ({"action": "rg_self_exclude"}, "RG_SELF_EXCLUDED"),
        ({"action": "rg_stake_limit", "amount": "0.50"}, "RG_STAKE_LIMIT"),
        ({"action": "issue_bonus", "amount": "5.00", "max_bet": "0.50"}, "MAX_BET_EXCEEDED"),
    ],
)
def test_script_state_changes_hit_the_next_request(api, http, step, code):
    load(http, script=script({"id": "hit", "operation_id": "authorizeBet", "nth": 2, **step}))
    sid = open_session(api)
    assert authorize(api, sid, "b-ok").status_code == 200
    r = authorize(api, sid, "b-hit")
    assert r.json()["code"] == code, r.text
    assert recordings(http, bet_id="b-hit")[0]["fault"][0]["step"] == "hit"


def test_script_degrade_switches_modes_for_a_while(api, http):
    load(
        http,
        script=script(
            {
                "id": "no-sessions",
                "operation_id": "createSession",
                "nth": 1,
                "times": 2,
                "action": "degrade",
                "modes": {"new_sessions": False},
            }
        ),
    )
    body = {"player_id": "p_demo_1", "game_id": "game_slots_demo", "currency": "EUR"}
    codes = [
        api.call("POST", "/v1/sessions", {**body, "locale": "en"}).status_code for _ in range(3)
    ]
    assert codes == [503, 503, 201]
    assert http.get("/sandbox/degradation").json()["new_sessions"] is True
    actions = [r["fault"][0]["action"] for r in recordings(http)]
    assert actions == ["degrade", "degrade", "restore"]


def test_counting_is_per_provider(api, http):
    load(http, script=script({"id": "first", "operation_id": "getBalance", "action": "error"}))
    other = ContractClient(
        api.http, Credentials("sbx-2026a", "sandbox-secret-a", provider="prov_x")
    )
    assert api.call("GET", "/v1/players/p_demo_1/balance").status_code == 503
    assert other.call("GET", "/v1/players/p_demo_1/balance").status_code == 503
    assert api.call("GET", "/v1/players/p_demo_1/balance").status_code == 200


def _pattern(http: Any, api: ContractClient, seed: int) -> list[int]:
    load(
        http,
        seed=seed,
        script=script(
            {
                "id": "coin",
                "operation_id": "getBalance",
                "times": 1000,
                "probability": "0.5",
                "action": "error",
            }
        ),
    )
    return [api.call("GET", "/v1/players/p_demo_1/balance").status_code for _ in range(16)]


def test_a_seed_replays_the_same_faults_and_another_seed_others(api, http):
    first = _pattern(http, api, 11)
    assert _pattern(http, api, 11) == first
    assert {200, 503} == set(first)
    assert _pattern(http, api, 12) != first


def test_nth_range_is_resolved_from_the_seed(http):
    step = {"id": "pick", "operation_id": "settleBet", "nth_range": [2, 9], "action": "error"}
    picks = {load(http, seed=s, script=script(step))["script"]["steps"][0]["nth"] for s in range(8)}
    assert picks <= set(range(2, 10)) and len(picks) > 1
    again = load(http, seed=3, script=script(step))["script"]["steps"][0]["nth"]
    assert again == load(http, seed=3, script=script(step))["script"]["steps"][0]["nth"]


def test_builtin_scripts_load_and_clear(http):
    state = load(http, name="default")
    assert state["script"]["name"] == "default" and state["builtin"] == ["calm", "default", "storm"]
    ids = [s["id"] for s in state["script"]["steps"]]
    assert "authorize-timeout-after-hold" in ids and "settle-503-twice" in ids
    assert load(http, name="storm", seed=5)["script"]["seed"] == 5
    assert http.delete("/sandbox/script").json()["script"] is None


@pytest.mark.parametrize(
    "body",
    [
        {"name": "drizzle"},
        {"script": {"steps": [{"id": "a", "operation_id": "x", "action": "flood"}]}},
        {"script": {"steps": [{"id": "a", "operation_id": "x", "action": "error", "status": 400}]}},
        {
            "script": {
                "steps": [
                    {"id": "a", "operation_id": "x", "action": "delay"},
                    {"id": "a", "operation_id": "y", "action": "delay"},
                ]
            }
        },
        {"script": {"steps": [{"id": "a", "operation_id": "x", "action": "rg_stake_limit"}]}},
        {"name": "default", "script": {"steps": []}},
    ],
)
def test_a_bad_script_is_a_422(http, body):
    r = http.put("/sandbox/script", json=body)
    assert r.status_code == 422, r.text
    assert r.json()["code"] == "VALIDATION_FAILED"


def test_clearing_the_recording(api, http):
    balance(api)
    assert http.delete("/sandbox/recordings").json() == {"deleted": 1}
    assert recordings(http) == []
