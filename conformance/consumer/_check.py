"""Feed a consumer duplicates and late events; check the projection it reports stays right.

The consumer protocol (docs/guide/consumer-check.md): the consumer takes one event envelope
per `POST {base}/events` (any 2xx: taken) and reports a player's projection at
`GET {base}/players/{tenant_id}/{player_id}`:

    {"balance": Money, "turnover": Money, "payouts": Money, "bets": {bet_id: status}}

`balance` is the player's balance after the latest fact, `turnover` and `payouts` the stakes
and wins of settled bets, `bets` each bet's state (authorized, settled, rolled_back). Each
scenario feeds fresh players, so a consumer that keeps state between runs is judged fairly.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from croupier import Contract
from croupier.conformance.consumer._stream import Expected, PlayerStream, build_streams

__all__ = [
    "SCENARIOS",
    "ConsumerError",
    "JetStreamFeed",
    "Scenario",
    "ScenarioResult",
    "run_consumer_check",
]

Delivery = Callable[[list[PlayerStream], random.Random], list[dict[str, Any]]]


class ConsumerError(Exception):
    """The check could not run (the consumer is unreachable): exit 2."""


def _interleave(queues: list[list[dict[str, Any]]], rng: random.Random) -> list[dict[str, Any]]:
    # Players interleave at random; each player's queue keeps the order it is given.
    queues = [list(q) for q in queues if q]
    out = []
    while queues:
        q = rng.choice(queues)
        out.append(q.pop(0))
        if not q:
            queues.remove(q)
    return out


def _in_order(streams: list[PlayerStream], rng: random.Random) -> list[dict[str, Any]]:
    return _interleave([s.events for s in streams], rng)


def _duplicates(streams: list[PlayerStream], rng: random.Random) -> list[dict[str, Any]]:
    queues = []
    for s in streams:
        q: list[dict[str, Any]] = []
        for event in s.events:
            q.append(event)
            q.append(event)  # at least once: the copy comes right after, as a retry would
        queues.append(q)
    return _interleave(queues, rng)


def _late(streams: list[PlayerStream], rng: random.Random) -> list[dict[str, Any]]:
    return _interleave([list(reversed(s.events)) for s in streams], rng)


def _duplicates_and_late(streams: list[PlayerStream], rng: random.Random) -> list[dict[str, Any]]:
    queues = []
    for s in streams:
        q = list(s.events) + [e for e in s.events if rng.random() < 0.5]
        rng.shuffle(q)
        # The newest fact arrives first, so every later arrival is late for this player.
        newest = s.events[-1]
        q.remove(newest)
        queues.append([newest, *q])
    return _interleave(queues, rng)


@dataclass(frozen=True)
class Scenario:
    """One way of delivering the stream."""

    id: str
    doc: str
    deliver: Delivery


SCENARIOS = (
    Scenario("consumer-in-order", "Every event once, each player's in order.", _in_order),
    Scenario(
        "consumer-duplicates",
        "Every event twice (at-least-once delivery): the projection counts each event once.",
        _duplicates,
    ),
    Scenario(
        "consumer-late-events",
        "Each player's events arrive newest first: a late event never overwrites a newer fact.",
        _late,
    ),
    Scenario(
        "consumer-duplicates-and-late",
        "Each player's events shuffled, the newest first, about half of them twice.",
        _duplicates_and_late,
    ),
)


@dataclass
class ScenarioResult:
    """What one scenario found."""

    id: str
    doc: str
    delivered: int
    problems: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """No problem found."""
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        """The JSON report's entry."""
        return {
            "id": self.id,
            "doc": self.doc,
            "passed": self.passed,
            "delivered": self.delivered,
            "problems": self.problems,
        }


def _amount(value: Any) -> tuple[Decimal, str] | None:
    if not isinstance(value, dict) or not isinstance(value.get("amount"), str):
        return None
    try:
        return Decimal(value["amount"]), str(value.get("currency"))
    except InvalidOperation:
        return None


def _compare(player: str, got: Any, want: Expected) -> list[str]:
    if not isinstance(got, dict):
        return [f"{player}: the projection is not a JSON object"]
    problems = []
    for name in ("balance", "turnover", "payouts"):
        expected = getattr(want, name)
        found = _amount(got.get(name))
        if found != (expected, "EUR"):
            shown = f"{found[0]} {found[1]}" if found else repr(got.get(name))[:60]
            problems.append(f"{player}: {name} is {shown}, expected {expected:.2f} EUR")
    bets = got.get("bets")
    if bets != want.bets:
        wrong = (
            {k: bets.get(k) for k in want.bets if bets.get(k) != want.bets[k]}
            if isinstance(bets, dict)
            else bets
        )
        problems.append(f"{player}: bets {wrong!r}, expected {want.bets!r}"[:300])
    return problems


@dataclass(frozen=True)
class JetStreamFeed:
    """Feed over NATS JetStream: publish, then wait until the durable consumer acked all.

    Events go to `<prefix>.<tenant>.<player>` on `stream`; the consumer reads them with its
    durable consumer `durable` and acknowledges each once applied.
    """

    url: str
    durable: str
    stream: str = "CROUPIER_CONSUMER_CHECK"
    prefix: str = "croupier.consumer-check"
    settle_seconds: float = 15.0

    def deliver(self, events: list[dict[str, Any]]) -> list[str]:
        """Publish the events (no Nats-Msg-Id: the duplicates must arrive); problems found."""
        import asyncio

        return asyncio.run(self._deliver(events))

    async def _deliver(self, events: list[dict[str, Any]]) -> list[str]:
        import asyncio
        import json
        import time

        import nats
        from nats.js.api import StreamConfig
        from nats.js.errors import NotFoundError

        try:
            nc = await nats.connect(self.url, connect_timeout=5, max_reconnect_attempts=0)
        except Exception as exc:
            raise ConsumerError(f"cannot reach NATS at {self.url}: {exc}") from None
        try:
            js = nc.jetstream()
            try:
                await js.stream_info(self.stream)
            except NotFoundError:
                await js.add_stream(StreamConfig(name=self.stream, subjects=[f"{self.prefix}.>"]))
            try:
                await js.consumer_info(self.stream, self.durable)
            except NotFoundError:
                raise ConsumerError(
                    f"no durable consumer {self.durable!r} on stream {self.stream}: start the "
                    "consumer first"
                ) from None
            for event in events:
                subject = f"{self.prefix}.{event['tenant_id']}.{event['player_id']}"
                await js.publish(subject, json.dumps(event).encode())
            deadline = time.monotonic() + self.settle_seconds
            while True:
                info = await js.consumer_info(self.stream, self.durable)
                if not info.num_pending and not info.num_ack_pending:
                    return []
                if time.monotonic() > deadline:
                    return [
                        f"the consumer left {info.num_pending} message(s) undelivered and "
                        f"{info.num_ack_pending} unacknowledged after {self.settle_seconds} s"
                    ]
                await asyncio.sleep(0.05)
        finally:
            await nc.close()


def run_consumer_check(
    base_url: str,
    contract: Contract,
    *,
    players: int = 3,
    seed: int = 7,
    timeout: float = 10.0,
    client: Any = None,
    jetstream: JetStreamFeed | None = None,
) -> list[ScenarioResult]:
    """Run every scenario against the consumer at `base_url`; one result per scenario.

    Events go to `POST {base_url}/events`, or, with `jetstream`, over NATS JetStream; the
    projection is always read over HTTP.
    """
    import httpx

    http = client or httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout)
    run = uuid.uuid4().hex[:8]
    results = []
    try:
        for index, scenario in enumerate(SCENARIOS):
            rng = random.Random(seed + index)
            streams = build_streams(contract, f"{run}{index}", players)
            feed = scenario.deliver(streams, rng)
            result = ScenarioResult(scenario.id, scenario.doc, len(feed))
            if jetstream is not None:
                result.problems += jetstream.deliver(feed)
            for event in feed if jetstream is None else ():
                try:
                    r = http.post("/events", json=event)
                except httpx.HTTPError as exc:
                    raise ConsumerError(f"cannot reach the consumer at {base_url}: {exc}") from None
                if not 200 <= r.status_code < 300:
                    result.problems.append(
                        f"POST /events of {event['event_type']} {event['event_id']} answered "
                        f"{r.status_code}"
                    )
                    break
            for s in streams:
                path = f"/players/{s.tenant_id}/{s.player_id}"
                try:
                    r = http.get(path)
                except httpx.HTTPError as exc:
                    raise ConsumerError(f"cannot reach the consumer at {base_url}: {exc}") from None
                if r.status_code != 200:
                    result.problems.append(f"GET {path} answered {r.status_code}")
                    continue
                try:
                    got = r.json()
                except ValueError:
                    got = None
                assert s.expected is not None
                result.problems += _compare(s.player_id, got, s.expected)
            results.append(result)
    finally:
        if client is None:
            http.close()
    return results
