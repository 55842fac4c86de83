"""The sandbox control surface: players, faults, events outbox, reset."""

from __future__ import annotations

from .conftest import authorize, balance, events, open_session


def test_seeded_players_and_put_player(http):
    players = {p["player_id"]: p for p in http.get("/sandbox/players").json()["players"]}
    # The four demo players plus the rest of the certification test-account kit (issue #9).
    assert set(players) == {
        "p_demo_1",
        "p_demo_2",
        "p_blocked_rg",
        "p_low_balance",
        "p_demo_jpy",
        "p_limit_stake",
        "p_limit_loss",
        "p_limit_session",
        "p_kyc_pending",
        "p_kyc_denied",
    }
    assert players["p_demo_2"]["balance"]["cash"] == {"amount": "200.00", "currency": "USD"}
    assert players["p_blocked_rg"]["limits"]["self_excluded"] is True
    assert players["p_demo_jpy"]["balance"]["cash"] == {"amount": "10000", "currency": "JPY"}
    assert players["p_limit_stake"]["limits"]["stake_limit"] == {
        "amount": "5.00",
        "currency": "EUR",
    }
    assert players["p_limit_loss"]["limits"]["loss_limit"]["amount"]["amount"] == "5.00"
    assert players["p_limit_session"]["limits"]["session_time_minutes"] == 1
    assert (players["p_kyc_pending"]["kyc"], players["p_kyc_denied"]["kyc"]) == ("pending", "deny")
    r = http.put("/sandbox/players/p_cert_1", json={"currency": "JPY", "cash": "5000"})
    assert r.status_code == 200 and r.json()["balance"]["cash"]["amount"] == "5000"
    r = http.put("/sandbox/players/p_cert_2", json={"currency": "EUR", "cash": "1.001"})
    assert r.status_code == 422 and r.json()["code"] == "INVALID_AMOUNT"
    assert http.get("/sandbox/players/p_nobody").status_code == 404
    http.post("/sandbox/reset", json={})
    assert http.get("/sandbox/players/p_cert_1").status_code == 404


def test_fault_error_does_no_work_and_count_runs_out(api, http):
    sid = open_session(api)
    rules = {
        "rules": [{"operation_id": "authorizeBet", "kind": "error", "status": 503, "count": 1}]
    }
    assert http.put("/sandbox/faults", json=rules).status_code == 200
    r = authorize(api, sid, "b-f", key="idem-fault-0001")
    assert r.status_code == 503 and r.json()["code"] == "TEMPORARY_ERROR"
    assert balance(api)["available"]["amount"] == "100.00"
    assert http.get("/sandbox/faults").json() == {"rules": []}
    r = authorize(api, sid, "b-f", key="idem-fault-0001")  # the retry does the work once
    assert r.status_code == 200


def test_fault_timeout_does_the_work(api, http):
    sid = open_session(api)
    http.put(
        "/sandbox/faults",
        json={"rules": [{"operation_id": "*", "kind": "timeout", "delay_ms": 10, "count": 1}]},
    )
    r = authorize(api, sid, "b-t", key="idem-timeout-001")
    assert r.status_code == 504 and r.json()["code"] == "GATEWAY_TIMEOUT"
    r = authorize(api, sid, "b-t", key="idem-timeout-001")
    assert r.status_code == 200 and r.headers["idempotent-replayed"] == "true"
    assert balance(api)["available"]["amount"] == "99.00"


def test_fault_rules_are_validated_and_cleared(http):
    r = http.put("/sandbox/faults", json={"rules": [{"operation_id": "x", "kind": "explode"}]})
    assert r.status_code == 422 and r.json()["code"] == "VALIDATION_FAILED"
    http.put("/sandbox/faults", json={"rules": [{"operation_id": "getBalance", "kind": "delay"}]})
    assert http.delete("/sandbox/faults").json() == {"rules": []}


def test_event_outbox_filters_and_paging(api, http):
    sid = open_session(api)
    authorize(api, sid, "b-1")
    open_session(api, "p_demo_2", currency="USD")
    page = http.get("/sandbox/events", params={"limit": 2}).json()
    assert len(page["events"]) == 2
    rest = http.get("/sandbox/events", params={"since": page["next_since"]}).json()
    assert [e["position"] for e in rest["events"]] == sorted(e["position"] for e in rest["events"])
    assert all(e["player_id"] == "p_demo_2" for e in events(http, player_id="p_demo_2"))
    assert len(events(http, event_type="bet.authorized")) == 1
    assert http.get("/sandbox/events", params={"since": -1}).status_code == 422


def test_publish_event_validates_and_deduplicates(api):
    event = {
        "event_type": "jackpot.won",
        "schema_version": "1.0.0",
        "event_id": "evt_01JD2Z6Q3M4X5A7B8C9D0E1F2G",
        "occurred_at": "2026-11-20T10:15:30Z",
        "tenant_id": "brand_demo",
        "region": "MT",
        "player_id": "p_demo_1",
        "trace_id": "trc-7f3a9c2e41b0",
        "idempotency_key": "idem-0001-jackpot",
        "payload": {
            "pool_id": "jp_daily",
            "bet_id": None,
            "amount": {"amount": "750.00", "currency": "EUR"},
            "pool_reset_to": {"amount": "100.00", "currency": "EUR"},
        },
    }
    r = api.call("POST", "/v1/events", event)
    assert r.status_code == 202 and r.json() == {"event_id": event["event_id"], "duplicate": False}
    r = api.call("POST", "/v1/events", event)
    assert r.json()["duplicate"] is True
    r = api.call("POST", "/v1/events", {**event, "event_type": "bet.exploded"})
    assert r.status_code == 422 and r.json()["code"] == "UNKNOWN_EVENT_TYPE"
    r = api.call("POST", "/v1/events", {**event, "payload": {"pool_id": 3}})
    assert r.status_code == 422 and r.json()["code"] == "INVALID_EVENT"
    assert r.json()["details"]["errors"]
