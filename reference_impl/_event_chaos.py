"""Event faults on every delivery path: the relay to NATS and the HTTP read (/sandbox/events).

A fault rule whose kind is a delivery fault acts on the relay, or, when its `operation_id` is
`listEmittedEvents`, on `GET /sandbox/events` instead (two rules fault both paths):

* `duplicate_delivery` — every event twice (on NATS the copy has no Nats-Msg-Id, so
  JetStream does not drop it; over HTTP the page lists it twice);
* `out_of_order` — a batch shuffled across players, each player's order kept;
* `reorder_within_player` — a player's consecutive events swapped pairwise, so a consumer
  sees, say, bet.settled before its bet.authorized;
* `delay_delivery` — an event is held back until it is `delay_ms` old (those behind it wait
  too, so nothing is skipped);
* `stall` — nothing is delivered: the outbox fills, the lag grows, until the rule is cleared.

Rules stay in force until cleared; `probability` is drawn per batch (per event for
duplicates). A delayed or stalled event is never lost: the relay leaves it undelivered and
the HTTP page stops before it (`next_since` does not pass it).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any, Protocol, TypeVar

from sqlalchemy import select

from croupier.reference_impl._store import OutboxEvent, Store, now_us

__all__ = [
    "DELIVERY_KINDS",
    "Delivery",
    "chaos_page",
    "delivery_rules",
    "reorder_within_player",
    "shuffle_across_players",
]

DELIVERY_KINDS = (
    "duplicate_delivery",
    "out_of_order",
    "reorder_within_player",
    "delay_delivery",
    "stall",
)
HTTP_READ = "listEmittedEvents"


class _Row(Protocol):
    tenant_id: str
    player_id: str


R = TypeVar("R", bound=_Row)


def delivery_rules(faults: Sequence[dict[str, Any]], path: str) -> list[dict[str, Any]]:
    """The delivery fault rules acting on `path` ("relay" or "listEmittedEvents")."""
    out = []
    for rule in faults:
        if rule.get("kind") not in DELIVERY_KINDS:
            continue
        if (rule.get("operation_id") == HTTP_READ) == (path == HTTP_READ):
            out.append(rule)
    return out


def shuffle_across_players(rows: list[R], rng: random.Random) -> list[R]:
    """Interleave players at random while keeping each player's events in order."""
    queues: dict[str, list[R]] = {}
    for row in rows:
        queues.setdefault(f"{row.tenant_id}/{row.player_id}", []).append(row)
    out = []
    while queues:
        key = rng.choice(sorted(queues))
        out.append(queues[key].pop(0))
        if not queues[key]:
            del queues[key]
    return out


def reorder_within_player(rows: list[R]) -> list[R]:
    """Swap each player's events pairwise (1st with 2nd, 3rd with 4th …) in their slots."""
    slots: dict[str, list[int]] = {}
    for i, row in enumerate(rows):
        slots.setdefault(f"{row.tenant_id}/{row.player_id}", []).append(i)
    out = list(rows)
    for indexes in slots.values():
        for a, b in zip(indexes[0::2], indexes[1::2], strict=False):
            out[a], out[b] = rows[b], rows[a]
    return out


class Delivery:
    """What a batch of outbox rows becomes on one path under the rules in force."""

    def __init__(self, rules: list[dict[str, Any]], rng: random.Random | None = None) -> None:
        self.rng = rng or random.Random()
        self.rules = [r for r in rules if self._fires(r)]
        self.kinds = {r["kind"]: r for r in self.rules}

    def _fires(self, rule: dict[str, Any]) -> bool:
        if rule.get("kind") == "duplicate_delivery":
            return True  # drawn per event in `duplicated`
        return self.rng.random() < float(rule.get("probability", "1"))

    def due(self, rows: list[R], created_us: list[int | None]) -> list[R]:
        """The leading rows that may go out now (all but stalled or still-delayed ones)."""
        if "stall" in self.kinds:
            return []
        delay = self.kinds.get("delay_delivery")
        if delay is None:
            return rows
        cutoff = now_us() - int(delay.get("delay_ms", 0)) * 1000
        for i, created in enumerate(created_us):
            if created is not None and created > cutoff:
                return rows[:i]
        return rows

    def ordered(self, rows: list[R]) -> list[R]:
        """The order the rows go out in."""
        if "out_of_order" in self.kinds:
            rows = shuffle_across_players(rows, self.rng)
        if "reorder_within_player" in self.kinds:
            rows = reorder_within_player(rows)
        return rows

    def duplicated(self) -> bool:
        """Whether the next event goes out a second time."""
        rule = self.kinds.get("duplicate_delivery")
        return rule is not None and self.rng.random() < float(rule.get("probability", "1"))


async def chaos_page(
    store: Store,
    faults: Sequence[dict[str, Any]],
    page: dict[str, Any],
    since: int,
    rng: random.Random | None = None,
) -> dict[str, Any]:
    """A `GET /sandbox/events` page as the delivery faults in force hand it out."""
    rules = delivery_rules(faults, HTTP_READ)
    if not rules or not page.get("events"):
        return page
    chaos = Delivery(rules, rng)
    items = [_Item(e) for e in page["events"]]
    ids = [i.event_id for i in items]
    async with store.reader() as conn:
        found = dict(
            (
                await conn.execute(
                    select(OutboxEvent.event_id, OutboxEvent.created_us).where(
                        OutboxEvent.event_id.in_(ids)
                    )
                )
            ).all()
        )
    due = chaos.due(items, [found.get(i) for i in ids])
    # The page ends before the first held-back event, so reading on never passes it.
    next_since = due[-1].raw["position"] if due else since
    out = []
    for item in chaos.ordered(due):
        out.append(item.raw)
        if chaos.duplicated():
            out.append(item.raw)
    return {**page, "events": out, "next_since": next_since}


class _Item:
    """A page entry seen as a row (tenant, player) for the reordering helpers."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.raw = raw
        event = raw.get("event") or {}
        self.event_id = str(event.get("event_id", ""))
        self.tenant_id = str(event.get("tenant_id", ""))
        self.player_id = str(event.get("player_id", ""))
