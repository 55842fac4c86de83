"""Event faults on both delivery paths: GET /sandbox/events and the relay to NATS JetStream."""

from __future__ import annotations

import asyncio
import random
import time
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

from croupier import ContractClient
from croupier.reference_impl._event_chaos import Delivery, delivery_rules, reorder_within_player
from croupier.reference_impl._store import now_us

from .conftest import TestClient, authorize, open_session
from .test_faults import _consume, _play, _players, _pump, relayed  # noqa: F401 (fixture)

HTTP = "listEmittedEvents"


def put_faults(http: Any, *rules: dict[str, Any]) -> None:
    r = http.put("/sandbox/faults", json={"rules": list(rules)})
    assert r.status_code == 200, r.text


def page(http: Any, since: int = 0) -> dict[str, Any]:
    r = http.get("/sandbox/events", params={"since": since, "limit": 1000})
    assert r.status_code == 200
    return dict(r.json())


def ids(events: list[dict[str, Any]]) -> list[str]:
    return [e["event"]["event_id"] for e in events]


def play(http: Any, api: ContractClient) -> dict[str, Any]:
    """Emit a session and a bet; the unfaulted page once all three events are readable."""
    sid = open_session(api)
    assert authorize(api, sid, "b-chaos-1").status_code == 200
    # PostgreSQL hands out a committed event once no older transaction is still running
    # anywhere on the server: wait for it rather than fault a partial page.
    deadline = time.monotonic() + 30
    found = page(http)
    while len(found["events"]) < 3 and time.monotonic() < deadline:
        time.sleep(0.1)
        found = page(http)
    assert len(found["events"]) >= 3, found
    return found


# Which path a rule acts on: the relay unless it names the HTTP read.
def test_a_rule_acts_on_one_path() -> None:
    relay = {"operation_id": "*", "kind": "stall"}
    read = {"operation_id": HTTP, "kind": "stall"}
    http_fault = {"operation_id": "*", "kind": "error"}
    assert delivery_rules([relay, read, http_fault], "relay") == [relay]
    assert delivery_rules([relay, read, http_fault], HTTP) == [read]


def test_reorder_within_player_swaps_pairs_in_their_slots() -> None:
    rows = [SimpleNamespace(tenant_id="t", player_id=p, n=i) for i, p in enumerate("aabab")]
    # a: slots 0,1,3 -> events 1,0,3; b: slots 2,4 -> events 4,2
    assert [r.n for r in reorder_within_player(rows)] == [1, 0, 4, 3, 2]


def test_delay_holds_the_young_and_everything_behind_them() -> None:
    chaos = Delivery([{"operation_id": "*", "kind": "delay_delivery", "delay_ms": 1000}])
    now = now_us()
    rows = ["old", "young", "old-again"]
    assert chaos.due(rows, [now - 5_000_000, now, now - 5_000_000]) == ["old"]
    assert Delivery([]).due(rows, [now, now, now]) == rows
    assert Delivery([{"operation_id": "*", "kind": "stall"}]).due(rows, [0, 0, 0]) == []


def test_http_read_duplicates_every_event(http: TestClient, api: ContractClient) -> None:
    clean = ids(play(http, api)["events"])
    put_faults(http, {"operation_id": HTTP, "kind": "duplicate_delivery"})
    doubled = page(http)
    assert ids(doubled["events"]) == [i for i in clean for _ in (0, 1)]
    assert doubled["next_since"] == page(http)["next_since"]


def test_http_read_reorders_within_a_player(http: TestClient, api: ContractClient) -> None:
    clean = ids(play(http, api)["events"])
    put_faults(http, {"operation_id": HTTP, "kind": "reorder_within_player"})
    swapped = ids(page(http)["events"])
    assert sorted(swapped) == sorted(clean) and swapped != clean
    assert swapped[:2] == [clean[1], clean[0]]


def test_http_read_stalls_then_hands_everything_out(http: TestClient, api: ContractClient) -> None:
    clean = play(http, api)
    put_faults(http, {"operation_id": HTTP, "kind": "stall"})
    stalled = page(http)
    assert stalled["events"] == [] and stalled["next_since"] == 0
    # The relay path is not faulted by this rule, and clearing the rule loses nothing.
    assert http.delete("/sandbox/faults").status_code == 200
    assert page(http) == clean


def test_http_read_delays_young_events(http: TestClient, api: ContractClient) -> None:
    play(http, api)
    put_faults(http, {"operation_id": HTTP, "kind": "delay_delivery", "delay_ms": 30000})
    held = page(http)
    assert held["events"] == [] and held["next_since"] == 0
    put_faults(http, {"operation_id": HTTP, "kind": "delay_delivery", "delay_ms": 0})
    assert len(page(http)["events"]) >= 3


def test_relay_stall_keeps_the_outbox_then_delivers_in_order(relayed: Any) -> None:  # noqa: F811
    http, url = relayed
    started = datetime.now(UTC)
    put_faults(http, {"operation_id": "*", "kind": "stall"})
    players = _players(http, 2)
    outbox = _play(http, players)
    _pump(http)
    assert asyncio.run(_consume(url, started, set(players))) == []
    lag = http.get("/sandbox/events/lag").json()
    assert lag["undelivered"] >= len(outbox)
    assert http.delete("/sandbox/faults").status_code == 200
    _pump(http)
    got = [e["event_id"] for _, e in asyncio.run(_consume(url, started, set(players)))]
    assert got == [e["event_id"] for e in outbox]


def test_relay_reorders_within_a_player(relayed: Any) -> None:  # noqa: F811
    http, url = relayed
    started = datetime.now(UTC)
    put_faults(http, {"operation_id": "*", "kind": "reorder_within_player"})
    players = _players(http, 2)
    outbox = _play(http, players)
    _pump(http)
    got = [e for _, e in asyncio.run(_consume(url, started, set(players)))]
    assert sorted(e["event_id"] for e in got) == sorted(e["event_id"] for e in outbox)
    for player_id in players:
        sent = [e["event_id"] for e in outbox if e["player_id"] == player_id]
        seen = [e["event_id"] for e in got if e["player_id"] == player_id]
        assert seen == [sent[1], sent[0], sent[3], sent[2]]


def test_relay_delay_holds_events_until_old_enough(relayed: Any) -> None:  # noqa: F811
    http, url = relayed
    http.app.state.sandbox.relay._rng = random.Random(1)
    started = datetime.now(UTC)
    put_faults(http, {"operation_id": "*", "kind": "delay_delivery", "delay_ms": 30000})
    players = _players(http, 1)
    outbox = _play(http, players)
    _pump(http)
    assert asyncio.run(_consume(url, started, set(players))) == []
    put_faults(http, {"operation_id": "*", "kind": "delay_delivery", "delay_ms": 0})
    _pump(http)
    got = [e["event_id"] for _, e in asyncio.run(_consume(url, started, set(players)))]
    assert got == [e["event_id"] for e in outbox]
