"""Every fault kind of PUT /sandbox/faults, the relay ones on a real NATS JetStream consumer."""

from __future__ import annotations

import asyncio
import json
import os
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from croupier import ContractClient
from croupier.reference_impl import create_app
from croupier.reference_impl._relay import STREAM

from .conftest import CONTRACT, TestClient, authorize, balance, check_response, events, open_session
from .test_relay import NATS_ENV


def faults(http, *rules: dict[str, Any]) -> None:
    r = http.put("/sandbox/faults", json={"rules": list(rules)})
    assert r.status_code == 200, r.text


def test_delay_answers_late_and_runs_out(api, http):
    faults(http, {"operation_id": "getBalance", "kind": "delay", "delay_ms": 400, "count": 1})
    started = time.monotonic()
    assert balance(api)["available"]["amount"] == "100.00"
    assert time.monotonic() - started >= 0.4
    started = time.monotonic()
    balance(api)
    assert time.monotonic() - started < 0.4


@pytest.mark.parametrize(
    ("status", "code"),
    [(500, "INTERNAL_ERROR"), (503, "TEMPORARY_ERROR"), (504, "GATEWAY_TIMEOUT")],
)
def test_error_answers_its_catalog_code_without_the_work(api, http, status, code):
    sid = open_session(api)
    faults(http, {"operation_id": "authorizeBet", "kind": "error", "status": status, "count": 1})
    before = balance(api)
    r = authorize(api, sid, "b-err", key="idem-err-00001")
    assert r.status_code == status and r.json()["code"] == code
    assert r.json()["details"] == {"fault": "error"}
    assert balance(api) == before
    assert not events(http, event_type="bet.authorized")
    # nothing was stored under the key: the retry does the work, once
    r = authorize(api, sid, "b-err", key="idem-err-00001")
    assert r.status_code == 200 and "idempotent-replayed" not in r.headers
    assert len(events(http, event_type="bet.authorized")) == 1


def test_timeout_does_the_work_once_and_the_replay_is_the_stored_success(api, http):
    sid = open_session(api)
    faults(http, {"operation_id": "settleBet", "kind": "timeout", "delay_ms": 10, "count": 1})
    authorize(api, sid, "b-to")
    r = api.call(
        "POST",
        "/v1/bets/settle",
        {"bet_id": "b-to", "round_id": "r-b-to", "player_id": "p_demo_1", "win": eur("4.00")},
        idempotency_key="idem-timeout-settle",
    )
    assert r.status_code == 504 and r.json()["code"] == "GATEWAY_TIMEOUT"
    assert balance(api)["cash"]["amount"] == "103.00"  # the work was done
    r = api.call(
        "POST",
        "/v1/bets/settle",
        {"bet_id": "b-to", "round_id": "r-b-to", "player_id": "p_demo_1", "win": eur("4.00")},
        idempotency_key="idem-timeout-settle",
    )
    assert r.status_code == 200 and r.headers["idempotent-replayed"] == "true"
    assert r.json()["status"] == "settled"
    assert balance(api)["cash"]["amount"] == "103.00"
    assert len(events(http, event_type="bet.settled")) == 1


def eur(amount: str) -> dict[str, str]:
    return {"amount": amount, "currency": "EUR"}


# ------------------------------------------------------------------ relay faults on JetStream


@pytest.fixture
def relayed(database_url):
    """A sandbox whose relay only pumps when the test says so (one deterministic batch)."""
    url = os.environ.get(NATS_ENV)
    if not url:
        pytest.skip(f"NATS relay: set {NATS_ENV}=nats://127.0.0.1:4222")
    app = create_app(database_url, nats_url=url, relay_interval=3600, contract=CONTRACT)
    with TestClient(app) as http:
        http.event_hooks = {"request": [], "response": [check_response]}
        http.post("/sandbox/reset", json={})
        yield http, url


def _players(http, n: int) -> list[str]:
    run = uuid.uuid4().hex[:10]
    ids = [f"p_nats_{run}_{i}" for i in range(n)]  # sorted as created: a seeded shuffle repeats
    for player_id in ids:
        r = http.put(f"/sandbox/players/{player_id}", json={"currency": "EUR", "cash": "50.00"})
        assert r.status_code == 200
    return ids


def _play(http, players: list[str]) -> list[dict[str, Any]]:
    """Four events per player, interleaved in the outbox; the outbox order is returned."""
    api = ContractClient(http)
    for player_id in players:
        open_session(api, player_id)
    for i, player_id in enumerate(players):
        sid = open_session(api, player_id)
        assert authorize(api, sid, f"b-n{i}-{player_id}", player=player_id).status_code == 200
    mine = [e for e in events(http) if e["player_id"] in players]
    assert len(mine) == 4 * len(players)
    return mine


def _pump(http) -> None:
    relay = http.app.state.sandbox.relay
    while http.portal.call(relay.pump):
        pass


async def _consume(url: str, started: datetime, players: set[str]) -> list[tuple[str, dict]]:
    """What a JetStream consumer receives: (Nats-Msg-Id or '', event), in stream order."""
    import nats
    from nats.js.api import ConsumerConfig, DeliverPolicy

    nc = await nats.connect(url)
    try:
        sub = await nc.jetstream().pull_subscribe(
            "croupier.events.brand_demo.>",
            stream=STREAM,
            config=ConsumerConfig(
                deliver_policy=DeliverPolicy.BY_START_TIME, opt_start_time=started.isoformat()
            ),
        )
        got: list[tuple[str, dict]] = []
        while True:
            try:
                msgs = await sub.fetch(200, timeout=0.5)
            except TimeoutError:
                return got
            for m in msgs:
                event = json.loads(m.data)
                if event["player_id"] in players:
                    got.append(((m.headers or {}).get("Nats-Msg-Id", ""), event))
                await m.ack()
    finally:
        await nc.close()


@pytest.mark.nats
def test_duplicate_delivery_reaches_the_consumer_twice(relayed):
    http, url = relayed
    started = datetime.now(UTC)
    faults(http, {"operation_id": "*", "kind": "duplicate_delivery"})
    players = _players(http, 2)
    outbox = _play(http, players)
    _pump(http)
    got = asyncio.run(_consume(url, started, set(players)))
    ids = [e["event_id"] for e in outbox]
    # Each event twice: once with Nats-Msg-Id (JetStream de-duplicates on it, so a second
    # copy with the same id would be dropped by the server) and once without it.
    assert sorted(e["event_id"] for _, e in got) == sorted(ids * 2)
    with_id = [e["event_id"] for msg_id, e in got if msg_id]
    assert sorted(with_id) == sorted(ids)
    assert all(msg_id == e["event_id"] for msg_id, e in got if msg_id)
    # de-duplicating by event_id gives back the outbox, each player's order kept
    seen: dict[str, dict] = {}
    for _, e in got:
        seen.setdefault(e["event_id"], e)
    assert list(seen) == ids


@pytest.mark.nats
def test_out_of_order_shuffles_players_but_keeps_each_players_order(relayed):
    import random

    http, url = relayed
    http.app.state.sandbox.relay._rng = random.Random(3)  # a shuffle that does reorder
    started = datetime.now(UTC)
    faults(http, {"operation_id": "*", "kind": "out_of_order"})
    players = _players(http, 3)
    outbox = _play(http, players)
    _pump(http)
    got = [e for _, e in asyncio.run(_consume(url, started, set(players)))]
    assert sorted(e["event_id"] for e in got) == sorted(e["event_id"] for e in outbox)
    for player_id in players:
        assert [e["event_id"] for e in got if e["player_id"] == player_id] == [
            e["event_id"] for e in outbox if e["player_id"] == player_id
        ]
    assert [e["event_id"] for e in got] != [e["event_id"] for e in outbox]
