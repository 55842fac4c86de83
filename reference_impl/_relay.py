"""The event relay: publishes the outbox to NATS JetStream, at least once, ordered per player.

Each event goes to `croupier.events.<tenant>.<player>` with `Nats-Msg-Id` = event_id, so
JetStream drops re-deliveries within its de-duplication window; rows are marked delivered
in the transaction that read them. Rows go out in commit order: the relay numbers newly
committed rows first (`Store.sequence_outbox`) and publishes by that number, so a row
committed late is published late, never skipped. One relay at a time publishes (SQLite's
write lock, a PostgreSQL advisory lock), so per-player order holds with several workers.
Delivery fault rules (`croupier.reference_impl._event_chaos`: duplicates, reordering across and
within players, delay, stall) exercise consumers.
"""

from __future__ import annotations

import asyncio
import logging
import random
from typing import Any

from sqlalchemy import select, text

from croupier.reference_impl._event_chaos import Delivery, delivery_rules, shuffle_across_players
from croupier.reference_impl._store import Control, OutboxEvent, Store, now_us

__all__ = ["STREAM", "Relay", "shuffle_across_players", "subject_for"]

log = logging.getLogger("croupier.relay")
STREAM = "CROUPIER_EVENTS"


def _token(value: str) -> str:
    # NATS subject tokens may not hold '.', '*', '>' or spaces.
    return "".join("_" if c in ".*> \t" else c for c in value) or "_"


def subject_for(tenant_id: str, player_id: str) -> str:
    """The subject of a player's events (the partition key tenant/player)."""
    return f"croupier.events.{_token(tenant_id)}.{_token(player_id)}"


class Relay:
    """A background task draining the outbox into JetStream."""

    def __init__(self, store: Store, url: str, interval: float = 0.2, batch: int = 200) -> None:
        self.store = store
        self.url = url
        self.interval = interval
        self.batch = batch
        self._task: asyncio.Task[None] | None = None
        self._nc: Any = None
        self._js: Any = None
        self._rng = random.Random()

    async def start(self) -> None:
        """Connect, make sure the stream exists, start pumping."""
        import nats
        from nats.js.api import StreamConfig

        self._nc = await nats.connect(self.url, connect_timeout=5, max_reconnect_attempts=-1)
        self._js = self._nc.jetstream()
        config = StreamConfig(name=STREAM, subjects=["croupier.events.>"], duplicate_window=120)
        try:
            await self._js.add_stream(config)
        except Exception:  # it exists (another worker made it): keep its settings
            await self._js.stream_info(STREAM)
        self._task = asyncio.create_task(self._run(), name="croupier-relay")

    async def stop(self) -> None:
        """Stop pumping and close the connection."""
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
        if self._nc is not None:
            await self._nc.drain()

    async def _run(self) -> None:
        while True:
            try:
                sent = await self.pump()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("relay pump failed; retrying")
                sent = 0
            if sent < self.batch:
                await asyncio.sleep(self.interval)

    async def pump(self) -> int:
        """Publish one batch of undelivered events; return how many."""
        await self.store.sequence_outbox()
        async with self.store.session() as s, s.begin():
            if not self.store.is_sqlite:
                locked = (
                    await s.execute(text("SELECT pg_try_advisory_xact_lock(4343)"))
                ).scalar_one()
                if not locked:
                    return 0
            rows = list(
                (
                    await s.execute(
                        select(OutboxEvent)
                        .where(OutboxEvent.delivered.is_(False), OutboxEvent.seq.is_not(None))
                        .order_by(OutboxEvent.seq)
                        .limit(self.batch)
                    )
                ).scalars()
            )
            if not rows:
                return 0
            control = await s.get(Control, 1)
            faults = (control.faults if control else []) or []
            chaos = Delivery(delivery_rules(faults, "relay"), self._rng)
            due = chaos.due(rows, [r.created_us for r in rows])
            for row in chaos.ordered(due):
                subject = subject_for(row.tenant_id, row.player_id)
                data = row.body.encode()
                await self._js.publish(subject, data, headers={"Nats-Msg-Id": row.event_id})
                if chaos.duplicated():
                    await self._js.publish(subject, data)
                row.delivered, row.published_us = True, now_us()
            return len(due)
