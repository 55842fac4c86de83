"""A reference event consumer (and two flawed ones) for `croupier certify-consumer`.

It takes events at `POST /events` and reports a player's projection at
`GET /players/{tenant_id}/{player_id}`: balance, turnover and payouts of settled bets, and
each bet's state. What makes it right:

* it de-duplicates by `event_id` (delivery is at least once);
* a late event never overwrites a newer fact: the balance is the `balance_after` of the
  latest `occurred_at` seen, and a settled or rolled-back bet stays so.

The flaws, each the mistake the check is there to catch:

* `no-dedupe` — applies a re-delivered event again (turnover and payouts count it twice);
* `arrival-order` — takes the last event to arrive as the newest (a late event rolls the
  balance and the bets back).

State is in memory, per process: a test double, not a product.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Annotated, Any

import typer
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

__all__ = ["FLAWS", "JetStreamSource", "consumer_app", "serve_consumer"]

FLAWS = ("none", "no-dedupe", "arrival-order")
_TERMINAL = {"settled", "rolled_back"}
_STATE = {
    "bet.authorized": "authorized",
    "bet.settled": "settled",
    "bet.rolled_back": "rolled_back",
}


@dataclass
class _Player:
    currency: str = "EUR"
    balance: Decimal = Decimal(0)
    latest: str = ""
    turnover: Decimal = Decimal(0)
    payouts: Decimal = Decimal(0)
    bets: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        def money(value: Decimal) -> dict[str, str]:
            return {"amount": f"{value:.2f}", "currency": self.currency}

        return {
            "balance": money(self.balance),
            "turnover": money(self.turnover),
            "payouts": money(self.payouts),
            "bets": dict(self.bets),
        }


class _Projection:
    def __init__(self, flaw: str) -> None:
        if flaw not in FLAWS:
            raise ValueError(f"flaw must be one of {', '.join(FLAWS)}")
        self.flaw = flaw
        self.seen: set[str] = set()
        self.players: dict[tuple[str, str], _Player] = {}

    def apply(self, event: dict[str, Any]) -> bool:
        """Apply an event; False when it was a duplicate (and so skipped)."""
        event_id = str(event["event_id"])
        if event_id in self.seen and self.flaw != "no-dedupe":
            return False
        self.seen.add(event_id)
        player = self.players.setdefault(
            (str(event["tenant_id"]), str(event["player_id"])), _Player()
        )
        payload = event.get("payload") or {}
        at = str(event.get("occurred_at", ""))
        after = payload.get("balance_after")
        # RFC 3339 UTC with a Z and whole seconds: the strings order as the instants do.
        if isinstance(after, dict) and (self.flaw == "arrival-order" or at >= player.latest):
            player.balance = Decimal(after["amount"])
            player.currency = str(after["currency"])
            player.latest = max(player.latest, at)
        state = _STATE.get(str(event.get("event_type")))
        if state is not None:
            bet_id = str(payload["bet_id"])
            if self.flaw == "arrival-order" or player.bets.get(bet_id) not in _TERMINAL:
                player.bets[bet_id] = state
        if event.get("event_type") == "bet.settled":
            player.turnover += Decimal(payload["stake"]["amount"])
            player.payouts += Decimal(payload["win"]["amount"])
        return True


@dataclass(frozen=True)
class JetStreamSource:
    """Where the consumer reads from when it reads JetStream: its durable pull consumer."""

    url: str
    durable: str = "croupier-consumer"
    stream: str = "CROUPIER_CONSUMER_CHECK"
    prefix: str = "croupier.consumer-check"


async def _pull(source: JetStreamSource, projection: _Projection) -> None:
    import asyncio
    import json

    import nats
    from nats.js.api import StreamConfig
    from nats.js.errors import NotFoundError

    nc = await nats.connect(source.url, connect_timeout=5)
    try:
        js = nc.jetstream()
        try:
            await js.stream_info(source.stream)
        except NotFoundError:
            await js.add_stream(StreamConfig(name=source.stream, subjects=[f"{source.prefix}.>"]))
        sub = await js.pull_subscribe(
            f"{source.prefix}.>", durable=source.durable, stream=source.stream
        )
        while True:
            try:
                messages = await sub.fetch(100, timeout=0.5)
            except TimeoutError:
                continue
            for message in messages:
                try:
                    projection.apply(json.loads(message.data))
                except (ValueError, KeyError, TypeError, ArithmeticError):
                    pass  # not an event: acknowledged and dropped, never redelivered forever
                await message.ack()
            await asyncio.sleep(0)
    finally:
        await nc.close()


def consumer_app(flaw: str = "none", jetstream: JetStreamSource | None = None) -> Starlette:
    """The consumer as an ASGI app (`flaw`: none, no-dedupe or arrival-order).

    With `jetstream` it also reads events from that durable consumer while it runs.
    """
    import asyncio
    import contextlib
    from collections.abc import AsyncIterator

    projection = _Projection(flaw)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        task = asyncio.create_task(_pull(jetstream, projection)) if jetstream else None
        try:
            yield
        finally:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    async def take(request: Request) -> JSONResponse:
        try:
            event = await request.json()
            applied = projection.apply(event)
        except (ValueError, KeyError, TypeError, ArithmeticError):
            return JSONResponse({"code": "INVALID_EVENT", "message": "not an event"}, 422)
        return JSONResponse({"applied": applied}, 200)

    async def report(request: Request) -> JSONResponse:
        key = (request.path_params["tenant_id"], request.path_params["player_id"])
        player = projection.players.get(key)
        if player is None:
            return JSONResponse({"code": "PLAYER_NOT_FOUND", "message": "no events yet"}, 404)
        return JSONResponse(player.as_dict())

    return Starlette(
        lifespan=lifespan,
        routes=[
            Route("/events", take, methods=["POST"]),
            Route("/players/{tenant_id}/{player_id}", report, methods=["GET"]),
        ],
    )


def serve_consumer(
    port: Annotated[int, typer.Option("--port", help="Port on 127.0.0.1.")] = 8100,
    flaw: Annotated[
        str, typer.Option("--flaw", help="none (correct), no-dedupe or arrival-order.")
    ] = "none",
    nats: Annotated[
        str | None, typer.Option("--nats", help="Also read events from NATS JetStream here.")
    ] = None,
    durable: Annotated[str, typer.Option("--durable", help="With --nats: durable name.")] = (
        "croupier-consumer"
    ),
) -> None:
    """Run the reference event consumer (or a flawed one) for certify-consumer to judge."""
    import uvicorn

    if flaw not in FLAWS:
        typer.echo(
            f"croupier serve-consumer: cannot run: --flaw must be one of {', '.join(FLAWS)}",
            err=True,
        )
        raise typer.Exit(2)
    source = JetStreamSource(nats, durable) if nats else None
    uvicorn.run(consumer_app(flaw, source), host="127.0.0.1", port=port, log_level="warning")
